namespace Strata.Union.Options;

/// <summary>What a mount was asked for: the layer dirs (absolute, top lower first) and the generic mount flags.</summary>
public sealed record OverlayOptions
{
    public required IReadOnlyList<string> LowerDirs { get; init; }

    public string? UpperDir { get; init; }

    public string? WorkDir { get; init; }

    /// <summary>Asked with "ro", or implied by a mount without an upper dir.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>MS_* flags from generic options (nosuid, nodev, noexec, noatime, ...) for mount(2).</summary>
    public ulong MountFlags { get; init; }

    /// <summary>The FUSE fsname (the "source" column of /proc/mounts), from "fsname=" or the mount source.</summary>
    public string? FsName { get; init; }

    /// <summary>From "request_timeout=SECONDS": the kernel aborts the connection when a request stays unanswered that long.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>From "passthrough=": which files the kernel reads and writes directly (FUSE passthrough).</summary>
    public PassthroughMode Passthrough { get; init; } = PassthroughMode.On;

    /// <summary>From "cache=": whether the kernel may cache names, attributes and listings (kept correct by a layer watcher).</summary>
    public bool KernelCache { get; init; } = true;

    /// <summary>
    /// From "io_uring=": whether requests may come through FUSE over io_uring, which the kernel offers when the fuse
    /// module's enable_uring parameter is on (Linux 6.14+); otherwise they come through /dev/fuse reads.
    /// </summary>
    public bool IoUring { get; init; } = true;

    /// <summary>
    /// From "io_uring_poll=MICROSECONDS": with io_uring, how long a server thread stays awake for the next request
    /// after a reply (yielding its CPU to anyone who wants it) before it sleeps; 0 sleeps at once.
    /// </summary>
    public TimeSpan IoUringPoll { get; init; } = DefaultIoUringPoll;

    /// <summary>The default of <see cref="IoUringPoll"/>: longer than a program's own work between two calls.</summary>
    public static readonly TimeSpan DefaultIoUringPoll = TimeSpan.FromMicroseconds(300);

    /// <summary>
    /// "volatile": nothing is synced to the upper dir (copy-ups, fsync and fdatasync through the mount), and the work
    /// dir is marked (work/incompat/volatile) so that no later mount, the kernel's or Strata's, takes it until the
    /// marker is removed. Only with an upper dir (the kernel ignores it without one).
    /// </summary>
    public bool Volatile { get; init; }

    /// <summary>Debug logging asked for through "-o debug".</summary>
    public bool Debug { get; init; }

    /// <summary>redirect_dir=, xino=, uuid=: what changes the on-disk records and the inode numbers.</summary>
    public OverlayFeatures Features { get; init; } = OverlayFeatures.Default;

    public bool HasUpper => UpperDir is not null;
}

/// <summary>Which regular files are opened with FUSE passthrough, their data never reaching the server.</summary>
public enum PassthroughMode
{
    /// <summary>
    /// All: upper files, and lower files opened read-only. A read-only fd opened on a lower file before another
    /// open copies the file up goes on reading the lower file (kernel overlayfs before 4.19 did the same).
    /// </summary>
    On,

    /// <summary>Upper files only: lower files are read through the server, and every fd sees a copy-up at once.</summary>
    Upper,

    /// <summary>None: all data goes through the server.</summary>
    Off,
}
