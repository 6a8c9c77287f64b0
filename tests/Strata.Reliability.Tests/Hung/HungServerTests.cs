using System.Diagnostics;
using Strata.Posix;

namespace Strata.Reliability.Tests.Hung;

/// <summary>
/// A server that stops answering (here: stopped with SIGSTOP, so not even its reader threads run) must fail its
/// callers after request_timeout instead of hanging them for ever, and say so in one clear line: on stderr in
/// the foreground, in the kernel log (dmesg) when detached. The kernel checks the timeout about every 15 s.
/// A handler stuck inside a running server is covered by Strata.Fuse.Tests (RequestTimeoutTests).
/// </summary>
public sealed class HungServerTests
{
    private const int ECONNABORTED = 103;
    private const string Line = "the kernel aborted the connection of";

    [Fact]
    public void AStoppedForegroundServerFailsCallersAndSaysWhy() => Bounded.Run(() =>
    {
        using var dir = Layout();
        var start = new ProcessStartInfo(StrataCommand.DotnetPath) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { StrataCommand.DllPath, "mount", "-f", "-o", Options(dir), dir["merged"] }) start.ArgumentList.Add(a);
        using Process server = Process.Start(start)!;
        Task<string> stderr = server.StandardError.ReadToEndAsync();
        try
        {
            WaitUntilLive(dir["merged/hello"]);
            (int r, TimeSpan took) = StatWhileStopped(server.Id, dir["merged/hello"]);
            Assert.Equal(-ECONNABORTED, r);
            Assert.InRange(took, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
            Assert.True(server.WaitForExit(30_000), "the server did not exit after the abort");
            Assert.Equal(1, server.ExitCode);
            Assert.Contains(Line + " " + dir["merged"], stderr.Result, StringComparison.Ordinal);
            Assert.False(Mounts.IsMounted(dir["merged"]), "the dead mount was not detached");
        }
        finally
        {
            Libc.kill(server.Id, Sigcont);
            if (!server.HasExited) server.Kill();
        }
    }, TimeSpan.FromMinutes(3));

    [Fact]
    public void AStoppedDetachedServerFailsCallersAndLogsToTheKernelLog() => Bounded.Run(() =>
    {
        using var dir = Layout();
        using var mount = StrataMount.Mount(Options(dir), dir["merged"]);
        int pid = Assert.Single(Mounts.ServerPids(dir["merged"]));
        (int r, _) = StatWhileStopped(pid, dir["merged/hello"]);
        Assert.Equal(-ECONNABORTED, r);
        Assert.True(Mounts.WaitForServersToExit(dir["merged"], TimeSpan.FromSeconds(30)), "the server did not exit after the abort");
        string log = ProcessRunner.Run("dmesg").StandardOutput;
        Assert.Contains(Line + " " + dir["merged"], log, StringComparison.Ordinal);
    }, TimeSpan.FromMinutes(3));

    private const int Sigstop = 19;
    private const int Sigcont = 18;

    /// <summary>
    /// Stops the server, asks the mount something that always reaches the server (statfs: names and attributes may
    /// be answered from the kernel's cache), then lets the server run again; the call's result and time.
    /// </summary>
    private static (int Result, TimeSpan Took) StatWhileStopped(int pid, string path)
    {
        Assert.Equal(0, Libc.kill(pid, Sigstop));
        WaitUntilStopped(pid);
        var clock = Stopwatch.StartNew();
        int r;
        try
        {
            r = Posix.Posix.StatFs(path, out _);
        }
        finally
        {
            Libc.kill(pid, Sigcont);
        }
        return (r, clock.Elapsed);
    }

    /// <summary>kill(2) returns before the stop takes hold: until every thread is stopped, a reader may still answer.</summary>
    private static void WaitUntilStopped(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            bool all = Directory.EnumerateDirectories($"/proc/{pid}/task").All(task =>
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T');
            });
            if (all) return;
            Thread.Sleep(10);
        }
        Assert.Fail($"the server {pid} did not stop within 10 s of SIGSTOP");
    }

    private static TempDir Layout()
    {
        var dir = new TempDir("strata-hung-");
        foreach (string d in new[] { "lower", "upper", "work", "merged" }) dir.Make(d);
        File.WriteAllText(dir["lower/hello"], "hello");
        return dir;
    }

    private static string Options(TempDir dir) => $"lowerdir={dir["lower"]},upperdir={dir["upper"]},workdir={dir["work"]},request_timeout=2";

    private static void WaitUntilLive(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(path) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.True(File.Exists(path), "the mount did not come up");
    }
}
