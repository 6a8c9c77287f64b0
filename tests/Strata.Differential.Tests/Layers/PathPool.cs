namespace Strata.Differential.Tests.Layers;

/// <summary>
/// Paths from a handful of names, a few levels deep: few enough that layers overlap (merged dirs, names
/// hidden by upper layers) and script steps often hit what is there, many enough that some miss.
/// </summary>
public static class PathPool
{
    /// <summary>The names paths are made of.</summary>
    public static readonly IReadOnlyList<string> Names = ["a", "b", "c", "d", "e"];

    public static string Random(Random random, int maxDepth = 3)
    {
        int depth = 1 + random.Next(maxDepth);
        return string.Join('/', Enumerable.Range(0, depth).Select(_ => Names[random.Next(Names.Count)]));
    }

    public static string? Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash < 0 ? null : path[..slash];
    }

    public static IEnumerable<string> Ancestors(string path)
    {
        for (string? p = Parent(path); p is not null; p = Parent(p)) yield return p;
    }
}
