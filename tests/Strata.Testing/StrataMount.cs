namespace Strata.Testing;

/// <summary>
/// A mount made by "strata mount" (background mode, as a user runs it). Dispose always leaves no mount and no
/// server process behind: strata umount, then the forced clean-up if that did not work.
/// </summary>
public sealed class StrataMount : IDisposable
{
    private StrataMount(string mountPoint)
    {
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public static StrataMount Mount(string options, string mountPoint, string? workingDirectory = null)
    {
        var mount = new StrataMount(mountPoint);
        ProcessResult r = StrataCommand.Run(["mount", "-o", options, mountPoint], workingDirectory: workingDirectory);
        if (r.ExitCode != 0 || !Mounts.IsMounted(mountPoint, "fuse.strata"))
        {
            mount.Dispose();
            throw new InvalidOperationException($"strata mount -o {options} {mountPoint} failed ({r.ExitCode}): {r.StandardError}");
        }
        return mount;
    }

    public void Dispose()
    {
        if (Mounts.IsMounted(MountPoint))
            StrataCommand.Run(["umount", MountPoint], TimeSpan.FromSeconds(30));
        if (Mounts.IsMounted(MountPoint))
            Mounts.ForceCleanUp(MountPoint);
        Mounts.WaitForServersToExit(MountPoint, TimeSpan.FromSeconds(15));
    }
}
