using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Running;
using Strata.Differential.Tests.Script;
using Xunit.Abstractions;

namespace Strata.Differential.Tests.Facade;

/// <summary>
/// Issue 3's in-process facade, proven with the same random cases as the mount: the harness's random layer stacks
/// and scripts (cut to the steps the facade has calls for) through <c>LayeredDirectory</c> and through kernel
/// overlayfs, compared step by step, over the whole merged tree and the upper dir. A failure prints the seed and a
/// shrunk script.
/// </summary>
[Collection(SequenceCollection.Name)]
public sealed class FacadeSequenceTests(ITestOutputHelper output)
{
    /// <summary>CI's share of the differential budget (STRATA_FACADE_SEQUENCES=N for more by hand).</summary>
    private const int CiSequences = 600;

    private const int CiSteps = 60;

    [Fact]
    public void FacadeSequencesMatchKernelOverlay()
    {
        SequenceSettings settings = SequenceSettings.FromEnvironment("STRATA_FACADE", CiSequences, CiSteps);
        var mix = new OperationMix();
        List<string> failures = SequenceBatch.Run(settings, Create, mix, "STRATA_FACADE");
        Assert.True(failures.Count == 0, SequenceBatch.Describe(failures));
        output.WriteLine(mix.Describe());
    }

    /// <summary>Seeds that found a divergence once (the fix is named), kept so that it stays fixed.</summary>
    [Theory]
    [InlineData(27)] // mkdir -m 777 made a 777 dir: the facade's mkdir did not take its umask off
    [InlineData(31)] // the same in a dir two levels down
    public void FormerDivergencesStayFixed(int seed)
    {
        string? report = SequenceBatch.Replay(Create(seed, CiSteps));
        Assert.True(report is null, report);
    }

    /// <summary>The main harness's sequence for the seed (layers, script, mount mode), run through the facade.</summary>
    private static SeededSequence Create(int seed, int steps)
    {
        var random = new Random(seed);
        LayerStackSpec layers = LayerStackGenerator.Generate(random);
        List<Operation> script = FacadeRun.Supported(RandomScript.Generate(random, layers, steps));
        return new SeededSequence(seed, layers, script, RunMode.ForSeed(seed) with { CrossMounts = false }) { Runner = FacadeRun.Run };
    }
}
