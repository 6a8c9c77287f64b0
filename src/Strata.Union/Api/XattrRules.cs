using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>
/// The VFS's checks of an xattr call before any filesystem sees it (xattr_permission), which a mount gets from the
/// kernel and the in-process facade makes itself: user.* only on files and dirs (EPERM to set, ENODATA to read on
/// anything else), and not by others on a sticky dir; trusted.* only with CAP_SYS_ADMIN (root here); security.*
/// and system.* as they are; any other namespace EOPNOTSUPP.
/// </summary>
internal static class XattrRules
{
    public static int Check(string name, in StatX attr, bool write, in Caller caller)
    {
        if (name.StartsWith("user.", StringComparison.Ordinal))
        {
            if (!attr.IsRegular && !attr.IsDirectory)
                return write ? -Errno.EPERM : -Errno.ENODATA;
            if (write && attr.IsDirectory && (attr.Mode & FileType.S_ISVTX) != 0 && caller.Uid != 0 && caller.Uid != attr.Uid)
                return -Errno.EPERM;
            return 0;
        }
        if (name.StartsWith("trusted.", StringComparison.Ordinal))
            return caller.SeesTrustedXattrs ? 0 : write ? -Errno.EPERM : -Errno.ENODATA;
        if (name.StartsWith("security.", StringComparison.Ordinal) || name.StartsWith("system.", StringComparison.Ordinal))
            return 0;
        return -Errno.EOPNOTSUPP;
    }
}
