using System.Text;
using Strata.Reliability.Tests.Support;

namespace Strata.Reliability.Tests.Fsx;

/// <summary>
/// Data integrity, fsx-style: random reads, writes, truncates, fallocate (plain, keep-size, punch hole, zero
/// range), MAP_SHARED reads and writes with msync, and copy_file_range within the file, on one file through a
/// Strata mount, checked after every step against an in-memory model. Half the seeds start from a file in the
/// lower layer, which is copied up at the first step that writes. A failure names the seed and lists the steps.
/// CI runs STRATA_FSX_SEEDS seeds of STRATA_FSX_STEPS steps (defaults below); more by hand, e.g.
/// STRATA_FSX_SEEDS=2000 STRATA_FSX_STEPS=2000 (STRATA_FSX_SEED=S STRATA_FSX_SEEDS=1 replays one).
/// </summary>
public sealed class FsxTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int CiSeeds = 60;
    private const int CiSteps = 300;

    [Fact]
    public void RandomFileOperationsMatchTheModel()
    {
        int first = Settings.Read("STRATA_FSX_SEED", 1);
        int seeds = Settings.Read("STRATA_FSX_SEEDS", CiSeeds);
        int steps = Settings.Read("STRATA_FSX_STEPS", CiSteps);
        var failures = new List<string>();
        long stepsRun = 0;
        Bounded.Run(() =>
        {
            for (int seed = first; seed < first + seeds && failures.Count < 3; seed++)
            {
                (string? failure, int ran) = RunSeed(seed, steps);
                stepsRun += ran;
                if (failure is not null) failures.Add(failure);
            }
        }, TimeSpan.FromSeconds(Math.Max(600, (long)seeds * steps / 50)));
        output.WriteLine($"{seeds} seeds from {first}, {stepsRun} steps checked");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static (string? Failure, int Ran) RunSeed(int seed, int count)
    {
        var random = new Random(seed);
        bool fromLower = seed % 2 == 0;
        byte[] initial = fromLower ? RandomBytes(random, random.Next(FsxScript.MaxLength)) : [];
        List<FsxStep> script = FsxScript.Generate(random, initial.Length, count);

        using var dir = new TempDir("strata-fsx-");
        foreach (string d in new[] { "lower", "upper", "work", "merged" }) dir.Make(d);
        if (fromLower) File.WriteAllBytes(dir["lower/file"], initial);
        byte[] expected;
        // The server runs in a process of its own (strata mount), never in this one: a page fault on a mapping of
        // the mount, taken in managed code, would stop the garbage collector's suspension of this process while its
        // own reader thread waits for that collection to serve the fault (a deadlock that an in-process mount has).
        using (StrataMount.Mount($"lowerdir={dir["lower"]},upperdir={dir["upper"]},workdir={dir["work"]}", dir["merged"]))
        {
            string path = dir["merged/file"];
            if (!fromLower) File.WriteAllBytes(path, initial);
            using var run = new FsxRun(path, initial);
            for (int i = 0; i < script.Count; i++)
            {
                string? error;
                try
                {
                    error = run.Apply(script[i]);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    error = e.Message;
                }
                if (error is not null) return (Report(seed, fromLower, initial.Length, script, i, error), i + 1);
            }
            expected = run.Expected.ToArray();
        }
        // Unmounted: the upper copy holds what the model says, the lower is untouched.
        byte[] upper = File.Exists(dir["upper/file"]) ? File.ReadAllBytes(dir["upper/file"]) : File.ReadAllBytes(dir["lower/file"]);
        if (!upper.AsSpan().SequenceEqual(expected))
            return (Report(seed, fromLower, initial.Length, script, script.Count - 1, "after unmount, the upper file differs from the model"), script.Count);
        if (fromLower && !File.ReadAllBytes(dir["lower/file"]).AsSpan().SequenceEqual(initial))
            return (Report(seed, fromLower, initial.Length, script, script.Count - 1, "the lower file was changed"), script.Count);
        return (null, script.Count);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Report(int seed, bool fromLower, int initialLength, List<FsxStep> script, int failed, string error)
    {
        var text = new StringBuilder();
        text.AppendLine($"fsx seed {seed} (STRATA_FSX_SEED={seed} STRATA_FSX_SEEDS=1 STRATA_FSX_STEPS={script.Count}): step {failed + 1} {script[failed]}: {error}");
        text.AppendLine($"  the file starts {(fromLower ? $"in the lower layer, {initialLength} bytes" : "new and empty, in the upper dir")}; steps:");
        for (int i = 0; i <= failed; i++) text.AppendLine($"  {i + 1,5}  {script[i]}");
        return text.ToString();
    }
}
