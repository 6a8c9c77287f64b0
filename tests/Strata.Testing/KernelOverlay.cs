namespace Strata.Testing;

/// <summary>The same layers mounted with the kernel's overlayfs, our reference.</summary>
public sealed class KernelOverlay : IDisposable
{
    private KernelOverlay(string mountPoint)
    {
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public static KernelOverlay Mount(string options, string mountPoint, string? workingDirectory = null)
    {
        ProcessResult r = ProcessRunner.Run("mount", ["-t", "overlay", "overlay", "-o", options, mountPoint], workingDirectory: workingDirectory);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"kernel overlay mount -o {options} failed: {r.StandardError}");
        return new KernelOverlay(mountPoint);
    }

    public void Dispose()
    {
        if (Mounts.IsMounted(MountPoint))
            ProcessRunner.Run("umount", [MountPoint], TimeSpan.FromSeconds(30));
        if (Mounts.IsMounted(MountPoint))
            Mounts.ForceCleanUp(MountPoint);
    }
}
