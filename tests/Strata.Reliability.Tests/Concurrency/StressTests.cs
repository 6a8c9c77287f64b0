using System.Text;
using Strata.Reliability.Tests.Support;

namespace Strata.Reliability.Tests.Concurrency;

/// <summary>
/// Threads and processes on one mount for a fixed time: creates, writes, renames, unlinks, readdirs and stats,
/// and the same lower files opened for writing by many threads at once (copy-up races). No call may fail, no
/// worker may stall (a watchdog then fails the test with the stuck threads' kernel stacks and the server's), and
/// the final tree must be what the successful steps made: checked through Strata, then, unmounted, through
/// kernel overlayfs over the same layers. CI: STRATA_STRESS_THREADS (16) threads and STRATA_STRESS_PROCESSES (3)
/// processes for STRATA_STRESS_SECONDS (20); longer by hand.
/// </summary>
public sealed class StressTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void MixedLoadOnOneMountKeepsEveryResult()
    {
        int threads = Settings.Read("STRATA_STRESS_THREADS", 16);
        int processes = Settings.Read("STRATA_STRESS_PROCESSES", 3);
        int seconds = Settings.Read("STRATA_STRESS_SECONDS", 20);
        using var dir = new TempDir("strata-stress-");
        foreach (string d in new[] { "lower", "upper", "work", "merged", "kernel" }) dir.Make(d);
        StressLayout.Write(dir["lower"], threads);
        string options = $"lowerdir={dir["lower"]},upperdir={dir["upper"]},workdir={dir["work"]}";
        string merged = dir["merged"];

        var workers = Enumerable.Range(0, threads).Select(i => (StressWorker?)null).ToArray();
        var shells = new List<(ShellWorker Shell, int Rounds)>();
        var errors = new List<string>();
        using (StrataMount.Mount(options, merged))
        {
            var watchdog = new Watchdog(TimeSpan.FromSeconds(30), () => Mounts.ServerPids(merged) is [int pid, ..] ? pid : null);
            using var stop = new ManualResetEventSlim(false);
            using var finished = new ManualResetEvent(false);
            DateTime until = DateTime.UtcNow.AddSeconds(seconds);
            string stopFile = dir["stop"];
            var started = new List<ShellWorker>();
            for (int p = 0; p < processes; p++)
            {
                string own = Path.Combine(merged, $"proc/p{p}");
                Directory.CreateDirectory(own);
                started.Add(new ShellWorker(p, own, stopFile));
            }
            var running = Enumerable.Range(0, threads).Select(i =>
            {
                var worker = workers[i] = new StressWorker(i, merged, watchdog, 1000 + i);
                var thread = new Thread(() => worker.Run(until, stop)) { IsBackground = true, Name = $"stress-{i}" };
                thread.Start();
                return thread;
            }).ToList();
            var joiner = new Thread(() =>
            {
                foreach (Thread t in running) t.Join();
                finished.Set();
            }) { IsBackground = true };
            joiner.Start();

            bool healthy = watchdog.Watch(finished);
            File.WriteAllText(stopFile, "");
            if (!healthy)
            {
                stop.Set();
                Mounts.ForceCleanUp(merged); // frees the stuck threads (their calls fail with ENOTCONN)
                foreach (ShellWorker s in started) s.Dispose();
                Assert.Fail(watchdog.Report);
            }
            foreach (ShellWorker s in started)
            {
                (int rounds, string? error) = s.Finish(TimeSpan.FromSeconds(60));
                if (error is not null) errors.Add(error);
                shells.Add((s, rounds));
            }
            errors.AddRange(workers.SelectMany(w => w!.Errors));
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            output.WriteLine($"{threads} threads and {processes} processes for {seconds} s: {workers.Sum(w => w!.Steps)} thread steps, {shells.Sum(s => s.Rounds)} shell rounds (5 calls each), no error, no stall");
            errors.AddRange(CheckTree(merged, workers!, shells));
        }
        Assert.True(errors.Count == 0, "the tree through Strata differs from the successful steps:\n" + string.Join("\n", errors));

        foreach (var (shell, _) in shells) shell.Dispose();
        using (KernelOverlay.Mount(options, dir["kernel"]))
            errors.AddRange(CheckTree(dir["kernel"], workers!, shells));
        Assert.True(errors.Count == 0, "the layers Strata left, mounted by kernel overlayfs, differ from the successful steps:\n" + string.Join("\n", errors));
    }

    private static List<string> CheckTree(string root, StressWorker[] workers, List<(ShellWorker Shell, int Rounds)> shells)
    {
        var errors = new List<string>();
        for (int i = 0; i < workers.Length; i++)
            errors.AddRange(CheckDir(Path.Combine(root, StressLayout.Own(i)), workers[i].Files));
        foreach (var (shell, rounds) in shells)
            errors.AddRange(CheckDir(Path.Combine(root, $"proc/p{shell.Id}"), shell.Expected(rounds)));
        for (int k = 0; k < StressLayout.SharedFiles; k++)
        {
            byte[] data = File.ReadAllBytes(Path.Combine(root, StressLayout.Shared(k)));
            if (data.Length != StressLayout.SharedLength) { errors.Add($"shared s{k}: length {data.Length}"); continue; }
            long slots = workers.Length * 8L;
            for (int i = 0; i < workers.Length; i++)
            {
                byte[] expected = StressWorker.ExpectedSlot(k, i, workers[i].Slots[k]);
                if (!data.AsSpan((int)StressWorker.SlotOffset(i), 8).SequenceEqual(expected)) errors.Add($"shared s{k}: slot of worker {i} holds {Convert.ToHexString(data, (int)StressWorker.SlotOffset(i), 8)}, expected {Convert.ToHexString(expected)}");
            }
            for (long o = slots; o < data.Length; o++)
            {
                if (data[o] != StressLayout.SharedByte(k, o)) { errors.Add($"shared s{k}: byte {o} changed"); break; }
            }
        }
        return errors;
    }

    private static IEnumerable<string> CheckDir(string dir, IReadOnlyDictionary<string, string> expected)
    {
        var found = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        var wanted = expected.Keys.Order(StringComparer.Ordinal).ToList();
        if (!found.SequenceEqual(wanted))
        {
            yield return $"{dir}: [{string.Join(' ', found)}], expected [{string.Join(' ', wanted)}]";
            yield break;
        }
        foreach (var (name, content) in expected)
        {
            string actual = File.ReadAllText(Path.Combine(dir, name), Encoding.UTF8);
            if (actual != content) yield return $"{dir}/{name}: '{actual}', expected '{content}'";
        }
    }
}
