namespace Strata.Testing;

/// <summary>
/// Sets the fuse module's enable_uring parameter (whether INIT offers FUSE over io_uring) for one test and puts
/// the old value back. The kernel reads it only at INIT and when a ring registers, so mounts that are already
/// running keep their transport.
/// </summary>
public sealed class UringParameter : IDisposable
{
    private const string Path = "/sys/module/fuse/parameters/enable_uring";
    private readonly string old;

    public UringParameter(bool enabled)
    {
        if (!File.Exists(Path))
            throw new InvalidOperationException($"{Path} is missing: this kernel has no FUSE over io_uring (Linux 6.14+, CONFIG_FUSE_IO_URING)");
        old = File.ReadAllText(Path).Trim();
        File.WriteAllText(Path, enabled ? "Y" : "N");
    }

    public void Dispose() => File.WriteAllText(Path, old);
}
