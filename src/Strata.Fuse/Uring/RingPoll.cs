using System.Diagnostics;
using Strata.Posix;

namespace Strata.Fuse.Uring;

/// <summary>
/// How a ring worker waits for its next request after a reply: awake for a short window first, handing its CPU to
/// whoever wants it (sched_yield) and looking at the ring between turns, then asleep in io_uring_enter.
/// A caller that makes requests one after another (ls -l, rm -r, a tar extraction) is back within microseconds;
/// if the worker slept meanwhile, the caller's next request has to wake it, and the reply wakes the caller, and
/// where a CPU has nothing else to run it halts, so each of those wake-ups may have to bring a halted CPU back
/// (in a VM an exit to the hypervisor, tens of microseconds: a getxattr loop took 15-65 us a call here with
/// workers that slept, 8-10 us with workers that stayed awake). A yield that took long means another task
/// wanted this CPU: the worker then sleeps at once and keeps to sleeping for a while, so that a busy machine
/// does not have requests wait behind other tasks' time slices.
/// </summary>
internal struct RingPoll
{
    private static readonly long TicksPerMicrosecond = Stopwatch.Frequency / 1_000_000;

    // Longer than a caller's own work between two requests, far shorter than a scheduler's time slice.
    private static readonly long SomeoneElseRan = 100 * TicksPerMicrosecond;
    private static readonly long StayAsleep = Stopwatch.Frequency / 10;

    private readonly long window;
    private long sleepUntil;

    /// <param name="window">How long to stay awake after a reply; zero sleeps at once, as without polling.</param>
    public RingPoll(TimeSpan window)
    {
        this.window = (long)(window.TotalMicroseconds * TicksPerMicrosecond);
    }

    /// <summary>
    /// Hands in what the ring has queued (the last reply) and waits awake, up to the window, for a completion:
    /// 1 when one came (take it), 0 when the worker should sleep until one comes, or a negative errno from the ring.
    /// </summary>
    public int AwaitAwake(IoUring ring)
    {
        if (window == 0)
            return 0;
        long now = Stopwatch.GetTimestamp();
        if (now < sleepUntil)
            return 0;
        long until = now + window;
        while (true)
        {
            int e = ring.SubmitAndPeek();
            if (e < 0)
                return e;
            if (ring.HasCompletion)
                return 1;
            long before = Stopwatch.GetTimestamp();
            if (before >= until)
                return 0;
            Thread.Yield();
            long after = Stopwatch.GetTimestamp();
            if (after - before > SomeoneElseRan)
            {
                sleepUntil = after + StayAsleep;
                return 0;
            }
        }
    }
}
