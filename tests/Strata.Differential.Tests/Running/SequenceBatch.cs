namespace Strata.Differential.Tests.Running;

/// <summary>
/// A test's run of many seeded sequences (the plain, permission and facade runs): seed after seed until the count
/// or five failures, within the run's time limit; the failures' reports name the run's own env variables.
/// </summary>
public static class SequenceBatch
{
    private const int MaxReportedFailures = 5;

    /// <summary>
    /// The reports of the sequences that differ (empty when none does), with <paramref name="envPrefix"/> (the run's
    /// variables: STRATA_PERM, ...) in their replay lines.
    /// </summary>
    public static List<string> Run(SequenceSettings settings, Func<int, int, SeededSequence> create, OperationMix mix, string envPrefix = "STRATA_DIFF")
    {
        var failures = new List<string>();
        Bounded.Run(() =>
        {
            for (int seed = settings.FirstSeed; seed < settings.FirstSeed + settings.Count && failures.Count < MaxReportedFailures; seed++)
            {
                if (create(seed, settings.Steps).RunAndReport(mix) is { } report)
                    failures.Add(report.Replace("STRATA_DIFF_", envPrefix + "_", StringComparison.Ordinal));
            }
        }, settings.TimeLimit);
        return failures;
    }

    /// <summary>One kept seed, replayed: its report, or null when it no longer differs.</summary>
    public static string? Replay(SeededSequence sequence)
    {
        string? report = null;
        Bounded.Run(() => report = sequence.RunAndReport());
        return report;
    }

    public static string Describe(List<string> failures) =>
        $"{failures.Count} sequence(s) differ from kernel overlayfs:\n\n{string.Join("\n", failures)}";
}
