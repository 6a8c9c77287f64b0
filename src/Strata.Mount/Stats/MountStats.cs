using System.Text.Json.Serialization;

namespace Strata.Mount.Stats;

/// <summary>What a running server says about itself: the counters the benchmarks report.</summary>
public sealed record MountStats
{
    public required string MountPoint { get; init; }

    public required int Pid { get; init; }

    public required long RequestsHandled { get; init; }

    /// <summary>Bytes the reader threads allocated while handling requests: 0 on an allocation-free request path.</summary>
    public required long AllocatedBytesOnRequestPath { get; init; }

    /// <summary>io_uring queues serving requests (one per CPU), or 0 when they come through /dev/fuse reads.</summary>
    public int IoUringQueues { get; init; }

    /// <summary>Garbage collections the server's runtime has run (of any generation).</summary>
    public long GarbageCollections { get; init; }

    /// <summary>fanotify events the layer watcher has read (the server's own included) and the reads that brought them.</summary>
    public long LayerEvents { get; init; }

    public long LayerEventReads { get; init; }

    /// <summary>VmHWM of the server process.</summary>
    public required long PeakResidentBytes { get; init; }

    public required long ResidentBytes { get; init; }
}

[JsonSerializable(typeof(MountStats))]
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class MountStatsJson : JsonSerializerContext;
