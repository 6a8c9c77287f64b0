namespace Strata.Differential.Tests.Running;

/// <summary>
/// How many random sequences to run and from which seed: a fixed set in CI, more by hand with
/// STRATA_DIFF_SEQUENCES=N (and STRATA_DIFF_SEED=S for the first seed, STRATA_DIFF_STEPS=K for the length).
/// Each kind of run has its own prefix (STRATA_PERM_..., STRATA_FACADE_...) and CI size.
/// </summary>
public sealed record SequenceSettings(int FirstSeed, int Count, int Steps)
{
    public const int CiSequences = 1500;
    public const int CiSteps = 60;

    public static SequenceSettings FromEnvironment() => FromEnvironment("STRATA_DIFF", CiSequences, CiSteps);

    public static SequenceSettings FromEnvironment(string prefix, int ciSequences, int ciSteps) => new(
        Read(prefix + "_SEED", 1),
        Read(prefix + "_SEQUENCES", ciSequences),
        Read(prefix + "_STEPS", ciSteps));

    /// <summary>A manual soak may run for hours; CI's fixed set must fit well inside the test time limit.</summary>
    public TimeSpan TimeLimit => TimeSpan.FromSeconds(Math.Max(600, Count * 4));

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;
}
