using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Strata.Reliability.Tests.Support;

namespace Strata.Reliability.Tests.Concurrency;

/// <summary>
/// Watches workers' heartbeats: a worker that has not finished a step for <see cref="StallLimit"/> is stuck, and
/// the watchdog then collects what every stuck worker was doing (its step, its kernel stack) and the server's
/// threads, and fires <see cref="Stalled"/>, so that the test fails with evidence instead of hanging.
/// </summary>
public sealed class Watchdog(TimeSpan stallLimit, Func<int?> serverPid)
{
    private readonly ConcurrentDictionary<int, Beat> _beats = new();

    public TimeSpan StallLimit { get; } = stallLimit;

    public ManualResetEventSlim Stalled { get; } = new(false);

    public string? Report { get; private set; }

    /// <summary>Called by a worker before each step.</summary>
    public void Step(int worker, string what) => _beats[worker] = new Beat(Stopwatch.GetTimestamp(), what, StuckReport.CurrentTaskId());

    public void Done(int worker) => _beats.TryRemove(worker, out _);

    /// <summary>Checks until <paramref name="finished"/> is set; returns false (with <see cref="Report"/>) on a stall.</summary>
    public bool Watch(WaitHandle finished)
    {
        while (!finished.WaitOne(TimeSpan.FromSeconds(1)))
        {
            var stuck = _beats.Where(b => Stopwatch.GetElapsedTime(b.Value.Since) > StallLimit).ToList();
            if (stuck.Count == 0) continue;
            var text = new StringBuilder($"{stuck.Count} worker(s) made no progress for {StallLimit.TotalSeconds} s:\n");
            foreach (var (worker, beat) in stuck) text.Append($"  worker {worker} (task {beat.Task}) in: {beat.What}\n");
            text.Append(StuckReport.Of(Environment.ProcessId, "the stuck workers' kernel stacks", stuck.Select(s => s.Value.Task)));
            if (serverPid() is int pid) text.Append(StuckReport.Of(pid, "the server's threads"));
            Report = text.ToString();
            Stalled.Set();
            return false;
        }
        return true;
    }

    private sealed record Beat(long Since, string What, int Task);
}
