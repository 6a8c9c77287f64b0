namespace Strata.Differential.Tests.Fixed;

/// <summary>
/// One lower built twice (by the same code), kernel overlayfs over one copy and Strata over the other: for the
/// fixed cases that a random script cannot reach (a 1 GiB sparse file, devices, sockets, ACLs, exact times).
/// </summary>
public sealed class TwoMounts : IDisposable
{
    // Not DifferentialRun.TempPrefix: the random sequences, running alongside, count their mounts by that prefix.
    private readonly TempDir _root = new($"strata-fixed-{Environment.ProcessId}-");
    private KernelOverlay? _kernel;
    private StrataInProcess? _strata;

    /// <param name="buildLower">Fills a lower dir; called once per side.</param>
    /// <param name="strataOptions">Options for the Strata side only (Strata's own, such as passthrough=).</param>
    public TwoMounts(Action<string> buildLower, string? strataOptions = null)
    {
        Kernel = Stack("kernel", buildLower);
        Strata = Stack("strata", buildLower);
        _kernel = KernelOverlay.Mount(Kernel.Options, Kernel.Merged);
        _strata = StrataInProcess.Mount(strataOptions is null ? Strata.Options : Strata.Options + "," + strataOptions, Strata.Merged);
    }

    public Side Kernel { get; }

    public Side Strata { get; }

    /// <summary>Both sides, for running the same steps on each.</summary>
    public IEnumerable<Side> Sides => [Kernel, Strata];

    /// <summary>Unmounts both (so that the upper dirs are complete and quiet); Dispose then only removes the dirs.</summary>
    public void Unmount()
    {
        _kernel?.Dispose();
        _kernel = null;
        _strata?.Dispose();
        _strata = null;
    }

    private Side Stack(string name, Action<string> buildLower)
    {
        var side = new Side(name, Path.Combine(_root.Path, name));
        foreach (string dir in new[] { side.Lower, side.Upper, side.Work, side.Merged }) Directory.CreateDirectory(dir);
        buildLower(side.Lower);
        return side;
    }

    public void Dispose()
    {
        Unmount();
        _root.Dispose();
    }

    public sealed record Side(string Name, string Root)
    {
        public string Lower => Path.Combine(Root, "lower");

        public string Upper => Path.Combine(Root, "upper");

        public string Work => Path.Combine(Root, "work");

        public string Merged => Path.Combine(Root, "merged");

        public string Options => $"lowerdir={Lower},upperdir={Upper},workdir={Work},redirect_dir=off,index=off,metacopy=off";
    }
}
