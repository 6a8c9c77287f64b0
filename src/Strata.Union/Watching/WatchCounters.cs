namespace Strata.Union.Watching;

/// <summary>What the layer watcher has read: events (the union's own included, which it skips) and the reads that brought them.</summary>
public readonly record struct WatchCounters(long Events, long Reads);
