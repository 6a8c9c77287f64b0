namespace Strata.Testing;

/// <summary>
/// Runs a test body with a time limit. A body stuck on a hung mount is left behind, but the test fails
/// at once and its fixtures' Dispose then aborts the mount, which frees the stuck thread.
/// </summary>
public static class Bounded
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(2);

    public static void Run(Action body, TimeSpan? limit = null)
    {
        Task task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(limit ?? DefaultLimit))
            throw new TimeoutException($"test body did not finish within {(limit ?? DefaultLimit).TotalSeconds} s");
        task.GetAwaiter().GetResult();
    }
}
