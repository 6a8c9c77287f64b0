using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// Builds the same lowers twice, mounts kernel overlayfs over one copy and Strata over the other, runs the
/// steps on both comparing each outcome, then compares the merged views and, unmounted, the upper dirs.
/// </summary>
public static class DifferentialRun
{
    public const string Hung = "no answer (hung)";

    /// <summary>
    /// Temp dirs carry the test process's id: another worktree's test run may be mounting at the same time,
    /// and its mounts must not count as ones this run left behind.
    /// </summary>
    public static readonly string TempPrefix = $"strata-diff-{Environment.ProcessId}-";

    /// <summary>A step that does not finish in time is a mismatch, not a test that never ends.</summary>
    private static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(10);

    public static Mismatch? Run(LayerStackSpec layers, IReadOnlyList<Operation> steps, OperationMix? mix = null)
    {
        using var kernelRoot = new TempDir(TempPrefix + "kernel-");
        using var strataRoot = new TempDir(TempPrefix + "strata-");
        StackDirs kernelDirs = StackDirs.Create(kernelRoot.Path, layers);
        StackDirs strataDirs = StackDirs.Create(strataRoot.Path, layers);

        Mismatch? mismatch;
        using (KernelOverlay.Mount(kernelDirs.Options, kernelDirs.Merged))
        using (StrataInProcess.Mount(strataDirs.Options, strataDirs.Merged))
        {
            mismatch = RunSteps(kernelDirs.Merged, strataDirs.Merged, steps, mix);
            if (mismatch is not null && (mismatch.Strata == Hung || mismatch.Kernel == Hung))
            {
                // The stuck step holds its thread in the mount: a lazy unmount (and for FUSE an abort) frees it.
                Mounts.ForceCleanUp(strataDirs.Merged);
                Mounts.ForceCleanUp(kernelDirs.Merged);
                return mismatch;
            }
            mismatch ??= Compare("merged view", Snapshot(kernelDirs.Merged), Snapshot(strataDirs.Merged));
        }
        return mismatch ?? Compare("upper dir", Snapshot(kernelDirs.Upper), Snapshot(strataDirs.Upper));
    }

    private static Mismatch? RunSteps(string kernelMerged, string strataMerged, IReadOnlyList<Operation> steps, OperationMix? mix)
    {
        var kernel = new Executor(kernelMerged);
        var strata = new Executor(strataMerged);
        for (int i = 0; i < steps.Count; i++)
        {
            string k = ObserveBounded(kernel, steps[i]), s = ObserveBounded(strata, steps[i]);
            if (k != s || k == Hung)
            {
                if (k != Hung && s != Hung)
                {
                    kernel.Dispose();
                    strata.Dispose();
                }
                return new Mismatch(i, steps[i].Shell, k, s);
            }
            mix?.Record(steps[i], k);
        }
        // Not on a hang: the stuck step may still use the fd; the forced unmount releases it.
        kernel.Dispose();
        strata.Dispose();
        return null;
    }

    private static string ObserveBounded(Executor x, Operation step)
    {
        Task<string> task = Task.Factory.StartNew(() => Observe(x, step), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return task.Wait(StepLimit) ? task.Result : Hung;
    }

    /// <summary>The step's outcome, then a stat of every path it touched and of their parents.</summary>
    private static string Observe(Executor x, Operation step)
    {
        var parts = new List<string> { step.Run(x) };
        foreach (string path in step.Touched.Concat(step.Touched.Select(PathPool.Parent).OfType<string>()).Distinct())
            parts.Add(x.Probe(path));
        return string.Join(" | ", parts);
    }

    // "stat-error -2": a whiteout the kernel lists in a single-layer dir but cannot look up (see ReaddirOperation).
    private static List<string> Snapshot(string root) =>
        TreeSnapshot.Take(root, includeOverlayXattrs: true, includeOwnersAndUserXattrs: true)
            .Where(line => !line.EndsWith(" stat-error -2", StringComparison.Ordinal)).ToList();

    private static Mismatch? Compare(string where, List<string> kernel, List<string> strata)
    {
        if (kernel.SequenceEqual(strata)) return null;
        var onlyKernel = kernel.Except(strata).ToList();
        var onlyStrata = strata.Except(kernel).ToList();
        return new Mismatch(Mismatch.AtEnd, where, Lines(onlyKernel), Lines(onlyStrata));
    }

    private static string Lines(List<string> lines) => lines.Count == 0 ? "(nothing else)" : string.Join("\n          ", lines);
}
