using Strata.Differential.Tests.Running;

namespace Strata.Differential.Tests;

/// <summary>
/// Issue 3's proof: random layer stacks and random operations, run on kernel overlayfs (the reference) and
/// on Strata, must give the same outcomes, merged views and upper dirs. A failure prints the seed and a
/// shrunk script.
/// </summary>
public sealed class RandomSequenceTests
{
    private const int MaxReportedFailures = 5;

    [Fact]
    public void RandomSequencesMatchKernelOverlay()
    {
        SequenceSettings settings = SequenceSettings.FromEnvironment();
        var failures = new List<string>();
        Bounded.Run(() =>
        {
            for (int seed = settings.FirstSeed; seed < settings.FirstSeed + settings.Count && failures.Count < MaxReportedFailures; seed++)
            {
                if (SeededSequence.Create(seed, settings.Steps).RunAndReport() is { } report)
                    failures.Add(report);
            }
        }, settings.TimeLimit);
        Assert.True(failures.Count == 0, $"{failures.Count} sequence(s) differ from kernel overlayfs:\n\n{string.Join("\n", failures)}");
    }
}
