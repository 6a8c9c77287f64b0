using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Acls;

/// <summary>
/// The ACLs a new object takes from its parent's default ACL, and the mode that goes with them, as the kernel's
/// posix_acl_create gives them: without a default ACL the caller's umask applies; with one the umask does not, the
/// object gets the default narrowed to its mode as its access ACL, and a dir gets the default itself as well. The
/// engine sets them itself because an object made over a whiteout is built in the work dir, which has no default
/// ACL to inherit (the kernel's ovl_create_over_whiteout sets them the same way).
/// </summary>
internal sealed class InheritedAcls
{
    private readonly byte[]? _access;
    private readonly byte[]? _default;

    private InheritedAcls(byte[]? access, byte[]? @default)
    {
        _access = access;
        _default = @default;
    }

    /// <summary>
    /// Fits <paramref name="mode"/> to the parent's default ACL, or to <paramref name="umask"/> when it has none;
    /// <paramref name="acls"/> stays null then (the common case, with no allocation).
    /// </summary>
    public static int For(int upperParent, bool directory, uint umask, ref uint mode, out InheritedAcls? acls)
    {
        acls = null;
        int size = Sys.GetXattr(upperParent, PosixAcl.DefaultName, Span<byte>.Empty);
        if (size is -Errno.ENODATA or -Errno.EOPNOTSUPP or 0)
        {
            mode &= ~(umask & 0x1FF);
            return 0;
        }
        if (size < 0)
            return size;
        byte[] parentDefault = new byte[size];
        size = Sys.GetXattr(upperParent, PosixAcl.DefaultName, parentDefault);
        if (size < 0)
            return size;
        byte[] access = parentDefault.AsSpan(0, size).ToArray();
        int rc = PosixAcl.FitToMode(access, ref mode);
        if (rc < 0)
            return rc;
        acls = new InheritedAcls(rc > 0 ? access : null, directory ? parentDefault[..size] : null);
        return 0;
    }

    /// <summary>Sets them on an open object.</summary>
    public int ApplyTo(int fd)
    {
        int rc = _access is null ? 0 : Sys.SetXattr(fd, PosixAcl.AccessName, _access);
        return rc < 0 || _default is null ? rc : Sys.SetXattr(fd, PosixAcl.DefaultName, _default);
    }

    /// <summary>Sets them on a dir entry (a fifo or device is not opened for it).</summary>
    public int ApplyAt(int dirFd, ReadOnlySpan<byte> name)
    {
        int rc = _access is null ? 0 : Sys.SetXattrAt(dirFd, name, PosixAcl.AccessName, _access);
        return rc < 0 || _default is null ? rc : Sys.SetXattrAt(dirFd, name, PosixAcl.DefaultName, _default);
    }
}
