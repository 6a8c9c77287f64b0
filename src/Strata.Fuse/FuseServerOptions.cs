namespace Strata.Fuse;

/// <summary>How a <see cref="FuseServer"/> runs. Cache timeouts are not here: the filesystem sets them per reply.</summary>
public sealed class FuseServerOptions
{
    /// <summary>Reader threads, each blocking in read(/dev/fuse) and handling its request inline.</summary>
    public int Threads { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Largest WRITE (and READ) payload; a multiple of 4096. Also sets max_pages = MaxWrite / 4096.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>Log one line per request to <see cref="Log"/>.</summary>
    public bool Debug { get; init; }

    /// <summary>Where debug lines and filesystem exceptions go; exceptions go to stderr when null.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Ask for FUSE_DO_READDIRPLUS: the kernel then sends READDIRPLUS instead of READDIR.</summary>
    public bool ReaddirPlus { get; init; }

    /// <summary>Ask for FUSE_WRITEBACK_CACHE (the kernel caches writes; excludes passthrough).</summary>
    public bool WritebackCache { get; init; }

    /// <summary>
    /// The fusectl connection number of this session (see <see cref="FuseMount.ConnectionId"/>). Only
    /// <see cref="FuseServer.Stop"/> needs it: the only way to wake readers blocked in read() is to end the connection.
    /// </summary>
    public uint? ConnectionId { get; init; }
}
