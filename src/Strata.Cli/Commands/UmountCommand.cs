using Strata.Fuse;
using Strata.Mount;
using Strata.Posix;

namespace Strata.Cli.Commands;

/// <summary>
/// strata umount [-l] MOUNTPOINT: unmounts a Strata mount (the server process then ends by itself), or a kernel
/// overlay mount that strata mount-image made.
/// </summary>
internal static class UmountCommand
{
    public static int Run(string[] args)
    {
        bool lazy = false;
        string? mountPoint = null;
        foreach (string a in args)
        {
            if (a is "-l" or "--lazy") lazy = true;
            else if (a.StartsWith('-')) throw new CliException($"unknown flag '{a}'; usage: strata umount [-l] MOUNTPOINT", ExitCodes.Usage);
            else if (mountPoint is null) mountPoint = a;
            else throw new CliException($"unexpected argument '{a}': give one mount point", ExitCodes.Usage);
        }
        if (mountPoint is null)
            throw new CliException("missing mount point: strata umount MOUNTPOINT", ExitCodes.Usage);

        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        MountInfoEntry? entry = MountInfo.Find(full);
        if (entry is null)
            throw new CliException($"'{mountPoint}' is not mounted");
        if (ContainerMounts.IsKernelImageMount(entry))
            return UnmountKernel(mountPoint, full, lazy);
        if (!MountTable.IsStrata(entry))
            throw new CliException($"'{mountPoint}' is a {entry.FsType} mount, not a Strata one; use umount");

        if (FuseMount.TryUnmount(full, lazy, out int errno))
            return ExitCodes.Ok;
        // A stale mount (its server killed) can only be detached.
        if (errno == Errno.EBUSY && !lazy)
            throw new CliException($"'{mountPoint}' is busy (files are open or a process is inside it); close them, or detach it with 'strata umount -l {mountPoint}'");
        if (FuseMount.TryUnmount(full, lazy: true, out errno))
            return ExitCodes.Ok;
        throw new CliException($"cannot unmount '{mountPoint}': {Errno.Describe(errno)}");
    }

    private static int UnmountKernel(string given, string full, bool lazy)
    {
        if (Libc.umount2(full, lazy ? Libc.MNT_DETACH : 0) == 0)
            return ExitCodes.Ok;
        int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.EBUSY)
            throw new CliException($"'{given}' is busy (files are open or a process is inside it); close them, or detach it with 'strata umount -l {given}'");
        throw new CliException($"cannot unmount '{given}': {Errno.Describe(errno)}");
    }
}
