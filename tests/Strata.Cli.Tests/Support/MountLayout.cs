namespace Strata.Cli.Tests;

/// <summary>The dirs most mount tests start from: one lower (l0), upper, work and the mount point (overlay).</summary>
internal static class MountLayout
{
    /// <summary>Mount options for that layout, relative to its root (run the command there).</summary>
    public const string Options = "lowerdir=./l0,upperdir=./upper,workdir=./work";

    /// <summary>A fresh layout; <paramref name="hello"/>, when given, is the content of l0/hello.</summary>
    public static TempDir Create(string? hello = null)
    {
        var dir = new TempDir();
        foreach (string d in new[] { "l0", "upper", "work", "overlay" }) dir.Make(d);
        if (hello is not null)
            File.WriteAllText(dir["l0/hello"], hello);
        return dir;
    }
}
