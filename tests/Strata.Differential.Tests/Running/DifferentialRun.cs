using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// Builds the same lowers twice, mounts kernel overlayfs over one copy and Strata over the other, runs the
/// steps on both comparing each outcome (with the layer object each touched path's inode number belongs to),
/// then compares the merged views and their inode numbers (st_ino and d_ino) and, unmounted, the upper dirs.
/// In cross-mount mode each side's layers are then mounted again, by Strata and by the kernel, and must show
/// the same tree and inode numbers as before.
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

    public static Mismatch? Run(LayerStackSpec layers, IReadOnlyList<Operation> steps, RunMode mode, OperationMix? mix = null)
    {
        using var kernelRoot = new TempDir(TempPrefix + "kernel-");
        using var strataRoot = new TempDir(TempPrefix + "strata-");
        StackDirs kernelDirs = StackDirs.Create(kernelRoot.Path, layers, mode);
        StackDirs strataDirs = StackDirs.Create(strataRoot.Path, layers, mode);
        var kernelLabels = new InodeLabels(kernelDirs);
        var strataLabels = new InodeLabels(strataDirs);

        Mismatch? mismatch;
        MergedView kernel, strata;
        using (KernelOverlay.Mount(kernelDirs.Options, kernelDirs.Merged))
        using (StrataInProcess.Mount(strataDirs.Options, strataDirs.Merged))
        {
            mismatch = RunSteps(kernelDirs.Merged, strataDirs.Merged, kernelLabels, strataLabels, steps, mix);
            if (mismatch is not null && (mismatch.Strata == Hung || mismatch.Kernel == Hung))
            {
                // The stuck step holds its thread in the mount: a lazy unmount (and for FUSE an abort) frees it.
                Mounts.ForceCleanUp(strataDirs.Merged);
                Mounts.ForceCleanUp(kernelDirs.Merged);
                return mismatch;
            }
            kernel = MergedView.Of(kernelDirs, kernelLabels);
            strata = MergedView.Of(strataDirs, strataLabels);
            mismatch ??= Compare("merged view", kernel.Tree, strata.Tree);
            mismatch ??= Compare("inode numbers", kernel.Inodes(kernel), strata.Inodes(kernel));
            mismatch ??= Consistent("strata's d_ino", strata);
        }
        mismatch ??= Compare("upper dir", MergedView.Upper(kernelDirs, kernelLabels), MergedView.Upper(strataDirs, strataLabels));
        if (mismatch is null && mode.CrossMounts)
            mismatch = CrossMount(kernelDirs, kernel, strataDirs, strata);
        return mismatch;
    }

    // Strata remounted over its own layers (numbers stable across remount), the kernel over Strata's layers, and
    // Strata over the kernel's: each must show what the writer of those layers showed.
    private static Mismatch? CrossMount(StackDirs kernelDirs, MergedView kernel, StackDirs strataDirs, MergedView strata)
    {
        Mismatch? mismatch;
        using (StrataInProcess.Mount(strataDirs.Options, strataDirs.Merged))
        {
            MergedView again = MergedView.Of(strataDirs, new InodeLabels(strataDirs));
            mismatch = Compare("strata remounted: merged view", strata.Tree, again.Tree)
                ?? Compare("strata remounted: inode numbers", strata.Inodes(again), again.Inodes(again))
                ?? Consistent("strata remounted: d_ino", again);
        }
        if (mismatch is not null) return mismatch;
        using (KernelOverlay.Mount(strataDirs.Options, strataDirs.Merged))
        {
            MergedView byKernel = MergedView.Of(strataDirs, new InodeLabels(strataDirs));
            mismatch = Compare("kernel over strata's layers: merged view", strata.Tree, byKernel.Tree)
                ?? Compare("kernel over strata's layers: inode numbers", strata.Inodes(byKernel), byKernel.Inodes(byKernel));
        }
        if (mismatch is not null) return mismatch;
        using (StrataInProcess.Mount(kernelDirs.Options, kernelDirs.Merged))
        {
            MergedView byStrata = MergedView.Of(kernelDirs, new InodeLabels(kernelDirs));
            mismatch = Compare("strata over kernel's layers: merged view", kernel.Tree, byStrata.Tree)
                ?? Compare("strata over kernel's layers: inode numbers", kernel.Inodes(kernel), byStrata.Inodes(kernel))
                ?? Consistent("strata over kernel's layers: d_ino", byStrata);
        }
        return mismatch;
    }

    private static Mismatch? RunSteps(string kernelMerged, string strataMerged, InodeLabels kernelLabels, InodeLabels strataLabels,
        IReadOnlyList<Operation> steps, OperationMix? mix)
    {
        var kernel = new Executor(kernelMerged) { Labels = kernelLabels };
        var strata = new Executor(strataMerged) { Labels = strataLabels };
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
        x.Labels?.UpperChanged();
        foreach (string path in step.ProbedPaths)
            parts.Add(x.Probe(path));
        return string.Join(" | ", parts);
    }

    // Strata's own rule: every d_ino is the st_ino of what it names.
    private static Mismatch? Consistent(string where, MergedView strata) =>
        strata.Disagreements is { Count: > 0 } wrong ? new Mismatch(Mismatch.AtEnd, where, "(d_ino = st_ino)", Lines(wrong)) : null;

    internal static Mismatch? Compare(string where, List<string> kernel, List<string> strata)
    {
        if (kernel.SequenceEqual(strata)) return null;
        var onlyKernel = kernel.Except(strata).ToList();
        var onlyStrata = strata.Except(kernel).ToList();
        return new Mismatch(Mismatch.AtEnd, where, Lines(onlyKernel), Lines(onlyStrata));
    }

    private static string Lines(List<string> lines) => lines.Count == 0 ? "(nothing else)" : string.Join("\n          ", lines);
}
