using System.Globalization;
using System.Text;
using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// A FUSE mount made as root with mount(2) (or, unprivileged, through fusermount3): opens /dev/fuse and hands its descriptor to the kernel in the mount
/// data. The kernel's INIT then waits on <see cref="DeviceFd"/> for a <see cref="FuseServer"/>. Dispose after the
/// server has ended: it closes the descriptor (and lazily unmounts if that has not happened).
/// </summary>
public sealed class FuseMount : IDisposable
{
    private int deviceFd;
    private bool mounted;

    private FuseMount(int deviceFd, string mountPoint, uint? connectionId, bool throughFusermount)
    {
        this.deviceFd = deviceFd;
        MountPoint = mountPoint;
        ConnectionId = connectionId;
        ThroughFusermount = throughFusermount;
        mounted = true;
    }

    /// <summary>Mounted by fusermount3 (so an unprivileged caller unmounts through it too).</summary>
    public bool ThroughFusermount { get; }

    /// <summary>The /dev/fuse descriptor (O_CLOEXEC) the session runs on; -1 once disposed.</summary>
    public int DeviceFd => deviceFd;

    public string MountPoint { get; }

    /// <summary>The fusectl connection number (for <see cref="Abort"/> and <see cref="FuseServerOptions.ConnectionId"/>).</summary>
    public uint? ConnectionId { get; }

    /// <summary>Mounts with mount(2) as root; an unprivileged caller goes through <see cref="MountWithFusermount"/>.</summary>
    public static FuseMount Mount(string mountPoint, FuseMountOptions options)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        if (Libc.geteuid() != 0)
            return MountWithFusermount(mountPoint, options);
        string target = Path.GetFullPath(mountPoint);

        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, "/dev/fuse", OpenFlags.O_RDWR);
        if (fd < 0)
            throw new FuseMountException(-fd, $"cannot mount FUSE on {target}: open /dev/fuse: {Errno.Describe(fd)}");

        var data = new StringBuilder();
        data.Append(CultureInfo.InvariantCulture, $"fd={fd},rootmode=40000,user_id={Libc.geteuid()},group_id={Libc.getegid()}");
        if (options.AllowOther)
            data.Append(",allow_other");
        if (options.DefaultPermissions)
            data.Append(",default_permissions");
        if (options.MaxRead is uint maxRead)
            data.Append(CultureInfo.InvariantCulture, $",max_read={maxRead}");

        ulong flags = Libc.MS_NOSUID | Libc.MS_NODEV | options.ExtraMountFlags | (options.ReadOnly ? Libc.MS_RDONLY : 0);
        if (Libc.mount(options.Source, target, "fuse." + options.Subtype, flags, data.ToString()) != 0)
        {
            int errno = Errno.Last;
            Libc.close(fd);
            throw new FuseMountException(errno, $"cannot mount FUSE on {target}: {Errno.Describe(errno)}");
        }
        return new FuseMount(fd, target, FuseConnections.Find(target), throughFusermount: false);
    }

    /// <summary>
    /// Mounts through the setuid fusermount3, which needs no privilege (allow_other then needs user_allow_other in
    /// /etc/fuse.conf). It passes the /dev/fuse descriptor back over a socketpair named by _FUSE_COMMFD.
    /// </summary>
    public static FuseMount MountWithFusermount(string mountPoint, FuseMountOptions options)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        string target = Path.GetFullPath(mountPoint);
        int fd = FusermountLauncher.Mount(target, options);
        return new FuseMount(fd, target, FuseConnections.Find(target), throughFusermount: true);
    }

    /// <summary>umount2 of <see cref="MountPoint"/>; <paramref name="detach"/> = MNT_DETACH (works while busy).</summary>
    public void Unmount(bool detach)
    {
        int errno;
        if (ThroughFusermount && Libc.geteuid() != 0)
            errno = FusermountLauncher.Unmount(MountPoint, detach);
        else
            TryUnmount(MountPoint, detach, out errno);
        if (errno != 0)
            throw new FuseMountException(errno, $"cannot unmount {MountPoint}: {Errno.Describe(errno)}");
        mounted = false;
    }

    /// <summary>umount2 without throwing; <paramref name="errno"/> is positive on failure.</summary>
    public static bool TryUnmount(string mountPoint, bool lazy, out int errno)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        if (Libc.umount2(mountPoint, lazy ? Libc.MNT_DETACH : 0) == 0)
        {
            errno = 0;
            return true;
        }
        errno = Errno.Last;
        return false;
    }

    /// <summary>Aborts the connection through fusectl (for a hung server); false if it is already gone.</summary>
    public bool Abort() => ConnectionId is uint id && FuseConnections.Abort(id);

    public void Dispose()
    {
        if (mounted)
        {
            if (ThroughFusermount && Libc.geteuid() != 0)
                FusermountLauncher.Unmount(MountPoint, lazy: true);
            else
                TryUnmount(MountPoint, lazy: true, out _);
            mounted = false;
        }
        int fd = Interlocked.Exchange(ref deviceFd, -1);
        if (fd >= 0)
            Libc.close(fd);
    }
}
