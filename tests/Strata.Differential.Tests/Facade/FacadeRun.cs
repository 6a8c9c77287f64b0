using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Running;
using Strata.Differential.Tests.Script;
using Strata.Union.Api;
using Strata.Union.Options;

namespace Strata.Differential.Tests.Facade;

/// <summary>
/// The in-process facade against the kernel: the same lowers twice, kernel overlayfs mounted over one copy and a
/// <see cref="LayeredDirectory"/> opened over the other (nothing mounted), the same steps on both compared one by
/// one (outcome, then a probe of every touched path and its parent, inode numbers as layer objects), then the
/// whole merged trees walked through both, the upper dirs, and what the kernel shows when it mounts the layers
/// the facade wrote.
/// </summary>
public static class FacadeRun
{
    /// <summary>The script as the facade can run it: the steps it has no call for are left out on both sides.</summary>
    public static List<Operation> Supported(IEnumerable<Operation> steps) => steps.Where(FacadeExecutor.Supports).ToList();

    public static Mismatch? Run(LayerStackSpec layers, IReadOnlyList<Operation> steps, RunMode mode, OperationMix? mix)
    {
        using var kernelRoot = new TempDir(DifferentialRun.TempPrefix + "kernel-");
        using var facadeRoot = new TempDir(DifferentialRun.TempPrefix + "facade-");
        StackDirs kernelDirs = StackDirs.Create(kernelRoot.Path, layers, mode);
        StackDirs facadeDirs = StackDirs.Create(facadeRoot.Path, layers, mode);
        MirrorAboveTheMount(kernelDirs);
        var kernelLabels = new InodeLabels(kernelDirs);
        var facadeLabels = new InodeLabels(facadeDirs);

        Mismatch? mismatch;
        List<string> kernelTree;
        using (KernelOverlay.Mount(kernelDirs.Options, kernelDirs.Merged))
        {
            using (var executor = new Executor(kernelDirs.Merged) { Labels = kernelLabels })
            using (LayeredDirectory union = LayeredDirectory.Open(OverlayOptionsParser.Parse([facadeDirs.Options], facadeDirs.Merged)))
            {
                var kernel = new SyscallRunner(executor);
                var facade = new FacadeExecutor(union, facadeLabels);
                mismatch = RunSteps(kernel, kernelLabels, facade, facadeLabels, steps, mix);
                kernelLabels.UpperChanged();
                facadeLabels.UpperChanged();
                mismatch ??= DifferentialRun.Compare("merged view", MergedWalk.Lines(kernel), MergedWalk.Lines(facade));
            }
            kernelTree = MergedView.TreeOf(kernelDirs.Merged);
        }
        mismatch ??= DifferentialRun.Compare("upper dir", MergedView.Upper(kernelDirs, kernelLabels), MergedView.Upper(facadeDirs, facadeLabels));
        if (mismatch is not null)
            return mismatch;
        // What the facade wrote is the kernel's format: mounted by the kernel, its layers show the kernel's tree.
        using (KernelOverlay.Mount(facadeDirs.Options, facadeDirs.Merged))
            return DifferentialRun.Compare("kernel over the facade's layers", kernelTree, MergedView.TreeOf(facadeDirs.Merged));
    }

    /// <summary>
    /// The facade's root is the root of every path: a symlink's ".." at the top stays there, as in a chroot (where
    /// an image's links make sense). On the kernel's mount such a link leads out, into the dir that holds the mount:
    /// there every name a script uses is a link back into the mount, so that it leads where the facade goes. (The
    /// layers' links climb one level at most: their targets are "x" or "../x".)
    /// </summary>
    private static void MirrorAboveTheMount(StackDirs dirs)
    {
        string above = Path.GetDirectoryName(dirs.Merged)!;
        foreach (string name in PathPool.Names.Concat(Enumerable.Range(0, 10).Select(i => $"n{i}")).Append("missing"))
            File.CreateSymbolicLink(Path.Combine(above, name), Path.Combine(dirs.Merged, name));
    }

    private static Mismatch? RunSteps(IStepRunner kernel, InodeLabels kernelLabels, IStepRunner facade, InodeLabels facadeLabels,
        IReadOnlyList<Operation> steps, OperationMix? mix)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            string k = Observe(kernel, kernelLabels, steps[i]), f = Observe(facade, facadeLabels, steps[i]);
            if (k != f)
                return new Mismatch(i, steps[i].Shell, k, f);
            mix?.Record(steps[i], k);
        }
        return null;
    }

    private static string Observe(IStepRunner runner, InodeLabels labels, Operation step)
    {
        var parts = new List<string> { runner.Run(step) };
        labels.UpperChanged();
        parts.AddRange(step.ProbedPaths.Select(runner.Probe));
        return string.Join(" | ", parts);
    }
}
