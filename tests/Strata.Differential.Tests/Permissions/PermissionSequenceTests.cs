using Strata.Differential.Tests.Running;
using Xunit.Abstractions;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// Permissions as the kernel's overlayfs gives them: random layers of files and dirs of several owners and modes,
/// random steps run as non-root users (and root) with random umasks, on kernel overlayfs and on Strata (mounted
/// with default_permissions), compared step by step (errno, and owner and mode of what each step touched) and at
/// the end (merged views and upper dirs, owners included). A failure prints the seed and a shrunk script with
/// the setpriv line of each step.
/// </summary>
public sealed class PermissionSequenceTests(ITestOutputHelper output)
{
    private const int MaxReportedFailures = 5;

    /// <summary>CI's share of the differential budget (STRATA_PERM_SEQUENCES=N for more by hand).</summary>
    private const int CiSequences = 300;

    private const int CiSteps = 50;

    [Fact]
    public void PermissionSequencesMatchKernelOverlay()
    {
        SequenceSettings settings = SequenceSettings.FromEnvironment("STRATA_PERM", CiSequences, CiSteps);
        var failures = new List<string>();
        var mix = new OperationMix();
        Bounded.Run(() =>
        {
            for (int seed = settings.FirstSeed; seed < settings.FirstSeed + settings.Count && failures.Count < MaxReportedFailures; seed++)
            {
                var random = new Random(seed);
                var layers = PermissionLayerGenerator.Generate(random);
                var sequence = new SeededSequence(seed, layers, PermissionScript.Generate(random, layers, settings.Steps), RunMode.ForSeed(seed) with { CrossMounts = false });
                if (sequence.RunAndReport(mix) is { } report)
                    failures.Add(report.Replace("STRATA_DIFF_", "STRATA_PERM_", StringComparison.Ordinal));
            }
        }, settings.TimeLimit);
        Assert.True(failures.Count == 0, $"{failures.Count} sequence(s) differ from kernel overlayfs:\n\n{string.Join("\n", failures)}");
        output.WriteLine(mix.Describe());
    }
}
