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

    /// <summary>
    /// Polls until the condition holds, for at most the limit (5 s by default): for what is true a moment after
    /// a change, such as a change made directly in a layer dir reaching the kernel's caches through the watcher.
    /// </summary>
    public static bool Eventually(Func<bool> condition, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(10);
        }
        return true;
    }
}
