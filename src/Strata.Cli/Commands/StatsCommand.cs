using System.Globalization;
using Strata.Mount.Stats;

namespace Strata.Cli.Commands;

/// <summary>strata stats MOUNTPOINT: the counters of the server of a mount (requests, allocations on the request path, memory).</summary>
internal static class StatsCommand
{
    public static int Run(string[] args)
    {
        if (args.Length != 1 || args[0].StartsWith('-'))
            throw new CliException("usage: strata stats MOUNTPOINT", ExitCodes.Usage);
        MountStats stats = StatsEndpoint.Query(args[0])
            ?? throw new CliException($"no Strata server answers for '{args[0]}': is it a Strata mount?");
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"mount point:                 {stats.MountPoint}"));
        Console.WriteLine(string.Create(c, $"server pid:                  {stats.Pid}"));
        Console.WriteLine(string.Create(c, $"requests handled:            {stats.RequestsHandled}"));
        Console.WriteLine(stats.IoUringQueues > 0
            ? string.Create(c, $"requests come through:       io_uring ({stats.IoUringQueues} queues, one per CPU)")
            : "requests come through:       /dev/fuse reads");
        double perRequest = stats.RequestsHandled == 0 ? 0 : (double)stats.AllocatedBytesOnRequestPath / stats.RequestsHandled;
        Console.WriteLine(string.Create(c, $"allocated on request path:   {stats.AllocatedBytesOnRequestPath} bytes ({perRequest:0.###} per request)"));
        Console.WriteLine(string.Create(c, $"layer watcher events:        {stats.LayerEvents}"));
        Console.WriteLine(string.Create(c, $"layer watcher reads:         {stats.LayerEventReads}"));
        Console.WriteLine(string.Create(c, $"garbage collections:         {stats.GarbageCollections}"));
        Console.WriteLine(string.Create(c, $"resident memory:             {stats.ResidentBytes / 1048576.0:0.0} MB (peak {stats.PeakResidentBytes / 1048576.0:0.0} MB)"));
        return ExitCodes.Ok;
    }
}
