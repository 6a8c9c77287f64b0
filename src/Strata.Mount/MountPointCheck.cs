using Strata.Posix;
using Strata.Union.Options;

namespace Strata.Mount;

/// <summary>What must be true of a mount point before we mount on it: an existing dir that is not a Strata mount already.</summary>
public static class MountPointCheck
{
    public static void Check(string mountPoint)
    {
        MountEntry? existing = MountTable.Find(mountPoint);
        if (existing is not null && MountTable.IsStrata(existing))
            throw new OverlayConfigException(Errno.EBUSY, $"mountpoint '{mountPoint}' is already a Strata mount; unmount it first (strata umount {mountPoint})");
        int r = Posix.Posix.Stat(mountPoint, out StatX st);
        if (r == -Errno.ENOTCONN)
            throw new OverlayConfigException(Errno.ENOTCONN, $"mountpoint '{mountPoint}' is a FUSE mount whose server is gone; clean it up with 'strata umount {mountPoint}'");
        if (r < 0)
            throw new OverlayConfigException(-r, $"mountpoint '{mountPoint}': {Errno.Describe(r)}; create the directory first");
        if (!st.IsDirectory)
            throw new OverlayConfigException(Errno.ENOTDIR, $"mountpoint '{mountPoint}' is not a directory");
    }
}
