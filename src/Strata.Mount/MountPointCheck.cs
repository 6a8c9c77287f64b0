using Strata.Fuse;
using Strata.Posix;
using Strata.Union.Options;

namespace Strata.Mount;

/// <summary>
/// What must be true of a mount point before we mount on it: an existing dir that is not a live Strata mount.
/// A Strata mount whose server died (it answers ENOTCONN) is detached first, so that a crashed mount can be
/// mounted again without a manual "umount -l".
/// </summary>
public static class MountPointCheck
{
    public static void Check(string mountPoint)
    {
        MountInfoEntry? existing = MountInfo.Find(mountPoint);
        int r = Probe(mountPoint, out StatX st);
        if (existing is not null && MountTable.IsStrata(existing))
        {
            if (r != -Errno.ENOTCONN)
                throw new OverlayConfigException(Errno.EBUSY, $"mountpoint '{mountPoint}' is already a Strata mount; unmount it first (strata umount {mountPoint})");
            if (!FuseMount.TryUnmount(mountPoint, lazy: true, out int errno))
                throw new OverlayConfigException(errno, $"mountpoint '{mountPoint}' is a Strata mount whose server is gone, and it cannot be detached: {Errno.Describe(errno)}");
            r = Probe(mountPoint, out st);
        }
        if (r == -Errno.ENOTCONN)
            throw new OverlayConfigException(Errno.ENOTCONN, $"mountpoint '{mountPoint}' is a FUSE mount whose server is gone; detach it first (umount -l {mountPoint})");
        if (r < 0)
            throw new OverlayConfigException(-r, $"mountpoint '{mountPoint}': {Errno.Describe(r)}; create the directory first");
        if (!st.IsDirectory)
            throw new OverlayConfigException(Errno.ENOTDIR, $"mountpoint '{mountPoint}' is not a directory");
    }

    // statfs first: a dead FUSE mount may still answer stat from attributes the kernel cached. A request caught
    // under way when the connection died ends ECONNABORTED or ECANCELED instead (with io_uring the kernel lets go
    // of a killed server's rings a moment after it is gone, and what is asked meanwhile is aborted or cancelled):
    // gone all the same.
    private static int Probe(string mountPoint, out StatX st)
    {
        st = default;
        int r = Posix.Posix.StatFs(mountPoint, out _);
        if (r is -Errno.ECONNABORTED or -Errno.ECANCELED)
            r = -Errno.ENOTCONN;
        return r == -Errno.ENOTCONN ? r : Posix.Posix.Stat(mountPoint, out st);
    }
}
