namespace Strata.Reliability.Tests.Concurrency;

/// <summary>The watchdog itself: a worker that stops stepping is reported with what it was doing and where it waits.</summary>
public sealed class WatchdogTests
{
    [Fact]
    public void AWorkerThatStopsIsReportedWithItsStepAndKernelStack()
    {
        var watchdog = new Watchdog(TimeSpan.FromSeconds(1), () => Environment.ProcessId);
        using var release = new ManualResetEventSlim(false);
        using var finished = new ManualResetEvent(false);
        var worker = new Thread(() =>
        {
            watchdog.Step(7, "waiting for ever");
            release.Wait(TimeSpan.FromSeconds(30));
            watchdog.Done(7);
            finished.Set();
        });
        worker.Start();
        try
        {
            Assert.False(watchdog.Watch(finished));
            Assert.Contains("worker 7", watchdog.Report, StringComparison.Ordinal);
            Assert.Contains("waiting for ever", watchdog.Report, StringComparison.Ordinal);
            Assert.Contains("wchan=futex", watchdog.Report, StringComparison.Ordinal);
            Assert.Contains("the server's threads", watchdog.Report, StringComparison.Ordinal);
        }
        finally
        {
            release.Set();
            worker.Join();
        }
    }
}
