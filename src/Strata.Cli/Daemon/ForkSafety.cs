using System.Globalization;
using System.Runtime.CompilerServices;
using Strata.Posix;

namespace Strata.Cli;

/// <summary>
/// Whether this process may fork and go on running managed code in the child. A fork copies only the calling
/// thread: any other thread's locks stay taken for ever in the child, and the runtime still counts that thread
/// as its own. Native AOT, before anything else has started a thread, has one other thread: the finalizer. It is
/// harmless to lose once it is parked in its wait for work (a native wait, outside managed code, holding no lock):
/// the garbage collector never waits for a thread in a native wait; the child then runs no finalizers, which
/// the server does not rely on (it disposes what it opens). Anything else, a JIT runtime (tiered compilation,
/// the diagnostics server), or a thread that is not parked, and the answer is no: the caller starts a new process.
/// </summary>
internal static class ForkSafety
{
    private const string FinalizerThreadName = ".NET Finalizer";

    /// <summary>How long the finalizer may take to get back to its wait (on a busy machine it may wait for a CPU).</summary>
    private const long ParkingLimitMs = 200;

    public static bool CanForkAndContinue()
    {
        if (RuntimeFeature.IsDynamicCodeSupported)
            return false;
        try
        {
            // One round trip through the finalizer: it has finished starting up and is back at its wait, or about to be.
            GC.WaitForPendingFinalizers();
            int self = Libc.getpid();
            long deadline = Environment.TickCount64 + ParkingLimitMs;
            while (true)
            {
                bool? parked = OtherThreadsParked(self);
                if (parked is not false)
                    return parked == true;
                if (Environment.TickCount64 > deadline)
                    return false;
                Thread.Sleep(0);
            }
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when every thread but this one is the finalizer, asleep in a futex wait; false while it is not (yet);
    /// null when the answer is no for good (a thread of another kind).
    /// </summary>
    private static bool? OtherThreadsParked(int self)
    {
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid))
                return null;
            if (tid == self)
                continue;
            if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != FinalizerThreadName)
                return null;
            // Running, or in another call: not parked yet.
            if (ThreadSyscall.IsFutex(tid) != true)
                return false;
        }
        return true;
    }
}
