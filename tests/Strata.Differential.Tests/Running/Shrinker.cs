using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// Makes a failing script short enough to read: cuts everything after the failing step, then drops chunks of
/// steps (halves, quarters, ... single steps) while the same kind of mismatch persists, within a budget of runs.
/// </summary>
public static class Shrinker
{
    public static (List<Operation> Steps, Mismatch Mismatch) Shrink(LayerStackSpec layers, IReadOnlyList<Operation> steps, RunMode mode, Mismatch mismatch, int budget) =>
        Shrink(layers, steps, mode, mismatch, budget, DifferentialRun.Run);

    /// <summary>The same with another way of running a script (the in-process facade against the kernel).</summary>
    public static (List<Operation> Steps, Mismatch Mismatch) Shrink(LayerStackSpec layers, IReadOnlyList<Operation> steps, RunMode mode, Mismatch mismatch, int budget,
        SequenceRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var current = mismatch.Step == Mismatch.AtEnd ? steps.ToList() : steps.Take(mismatch.Step + 1).ToList();
        Mismatch currentMismatch = mismatch;
        for (int chunk = Math.Max(1, current.Count / 2); chunk >= 1 && budget > 0; chunk /= 2)
        {
            for (int start = 0; start < current.Count && budget > 0;)
            {
                var candidate = current.Take(start).Concat(current.Skip(start + chunk)).ToList();
                budget--;
                if (run(layers, candidate, mode, null) is { } m && m.Kind == mismatch.Kind)
                {
                    current = m.Step == Mismatch.AtEnd ? candidate : candidate.Take(m.Step + 1).ToList();
                    currentMismatch = m;
                }
                else
                {
                    start += chunk;
                }
            }
        }
        return (current, currentMismatch);
    }
}
