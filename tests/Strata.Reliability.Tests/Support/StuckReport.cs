using System.Text;

namespace Strata.Reliability.Tests.Support;

/// <summary>
/// Evidence of where threads wait when a run stops making progress. dotnet-stack is not on these machines, so
/// for the server process (and for this one's stuck threads) it reads the kernel's view from /proc: each task's
/// name, wchan and kernel stack (/proc/PID/task/TID/stack, readable as root), which shows a thread blocked in a
/// FUSE request (fuse_wait_answer / request_wait_answer), on a lock (futex) or in /dev/fuse (fuse_dev_do_read).
/// </summary>
public static class StuckReport
{
    public static string Of(int pid, string title, IEnumerable<int>? onlyTasks = null)
    {
        var text = new StringBuilder($"{title} (pid {pid}):\n");
        string tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks)) return text.Append("  (gone)\n").ToString();
        HashSet<int>? only = onlyTasks?.ToHashSet();
        foreach (string task in Directory.EnumerateDirectories(tasks).OrderBy(t => t, StringComparer.Ordinal))
        {
            if (only is not null && (!int.TryParse(Path.GetFileName(task), out int tid) || !only.Contains(tid))) continue;
            string comm = Read(Path.Combine(task, "comm")).Trim();
            string wchan = Read(Path.Combine(task, "wchan")).Trim();
            text.Append($"  task {Path.GetFileName(task)} '{comm}' wchan={wchan}\n");
            foreach (string frame in Read(Path.Combine(task, "stack")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(12))
                text.Append($"      {frame}\n");
        }
        return text.ToString();
    }

    /// <summary>The kernel's id of the calling thread (what /proc/PID/task lists).</summary>
    public static int CurrentTaskId() =>
        int.TryParse(Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget), out int tid) ? tid : -1;

    private static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException e)
        {
            return $"({e.Message})";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"({e.Message})";
        }
    }
}
