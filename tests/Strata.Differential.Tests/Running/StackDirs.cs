using Strata.Differential.Tests.Layers;

namespace Strata.Differential.Tests.Running;

/// <summary>One copy of a layer stack on disk: lowers l0..lN (top first), upper, work and the mount point.</summary>
public sealed class StackDirs
{
    private StackDirs(string root, int lowers, RunMode mode)
    {
        Lowers = Enumerable.Range(0, lowers).Select(i => Path.Combine(root, $"l{i}")).ToList();
        Upper = Path.Combine(root, "upper");
        Work = Path.Combine(root, "work");
        Merged = Path.Combine(root, "merged");
        Options = $"lowerdir={string.Join(':', Lowers)},upperdir={Upper},workdir={Work}," +
            $"redirect_dir={(mode.RedirectDir ? "on" : "off")},index=off,metacopy=off,xino=off";
    }

    public IReadOnlyList<string> Lowers { get; }

    public string Upper { get; }

    public string Work { get; }

    public string Merged { get; }

    /// <summary>
    /// The same options for both mounts, with every feature that changes the on-disk records given explicitly
    /// (kernel defaults vary by build). redirect_dir=off is the kernel's "follow" on a kernel built with
    /// REDIRECT_ALWAYS_FOLLOW (Kconfig's default, and this machine's): redirects are read but not written.
    /// </summary>
    public string Options { get; }

    public static StackDirs Create(string root, LayerStackSpec spec, RunMode mode)
    {
        var dirs = new StackDirs(root, spec.Lowers.Count, mode);
        for (int i = 0; i < spec.Lowers.Count; i++) LayerWriter.Write(dirs.Lowers[i], spec.Lowers[i]);
        foreach (string d in new[] { dirs.Upper, dirs.Work, dirs.Merged }) Directory.CreateDirectory(d);
        return dirs;
    }
}
