using Strata.Differential.Tests.Layers;

namespace Strata.Differential.Tests.Running;

/// <summary>One copy of a layer stack on disk: lowers l0..lN (top first), upper, work and the mount point.</summary>
public sealed class StackDirs
{
    private StackDirs(string root, int lowers)
    {
        Lowers = Enumerable.Range(0, lowers).Select(i => Path.Combine(root, $"l{i}")).ToList();
        Upper = Path.Combine(root, "upper");
        Work = Path.Combine(root, "work");
        Merged = Path.Combine(root, "merged");
    }

    public IReadOnlyList<string> Lowers { get; }

    public string Upper { get; }

    public string Work { get; }

    public string Merged { get; }

    /// <summary>The same options for both mounts, with the features Strata lacks turned off explicitly (kernel defaults vary by build).</summary>
    public string Options => $"lowerdir={string.Join(':', Lowers)},upperdir={Upper},workdir={Work},redirect_dir=off,index=off,metacopy=off";

    public static StackDirs Create(string root, LayerStackSpec spec)
    {
        var dirs = new StackDirs(root, spec.Lowers.Count);
        for (int i = 0; i < spec.Lowers.Count; i++) LayerWriter.Write(dirs.Lowers[i], spec.Lowers[i]);
        foreach (string d in new[] { dirs.Upper, dirs.Work, dirs.Merged }) Directory.CreateDirectory(d);
        return dirs;
    }
}
