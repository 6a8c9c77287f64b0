using System.Text;
using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>One reproducible sequence: the layers, the script and how it is mounted all come from the seed alone.</summary>
public sealed record SeededSequence(int Seed, LayerStackSpec Layers, List<Operation> Steps, RunMode Mode)
{
    public static SeededSequence Create(int seed, int length)
    {
        var random = new Random(seed);
        LayerStackSpec layers = LayerStackGenerator.Generate(random);
        return new SeededSequence(seed, layers, RandomScript.Generate(random, layers, length, tmpFiles: true), RunMode.ForSeed(seed));
    }

    /// <summary>What runs the script on both sides: kernel overlayfs and a Strata mount, unless set otherwise.</summary>
    public SequenceRunner Runner { get; init; } = DifferentialRun.Run;

    /// <summary>Runs it; on a mismatch shrinks the script and returns the report to print, else null.</summary>
    public string? RunAndReport(OperationMix? mix = null, int shrinkBudget = 40)
    {
        if (Runner(Layers, Steps, Mode, mix) is not { } mismatch) return null;
        var (steps, shrunk) = Shrinker.Shrink(Layers, Steps, Mode, mismatch, shrinkBudget, Runner);
        var report = new StringBuilder();
        report.AppendLine($"seed {Seed} (STRATA_DIFF_SEED={Seed} STRATA_DIFF_SEQUENCES=1; {Mode}): {shrunk}");
        for (int i = 0; i < Layers.Lowers.Count; i++)
        {
            report.AppendLine($"  lower l{i}{(i == 0 ? " (top)" : "")}:");
            foreach (LayerEntry entry in Layers.Lowers[i]) report.AppendLine($"    {entry.Shell}");
        }
        report.AppendLine($"  minimal script ({steps.Count} of {Steps.Count} steps):");
        foreach (Operation step in steps) report.AppendLine($"    {step.Shell}");
        return report.ToString();
    }
}
