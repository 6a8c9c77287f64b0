namespace Strata.Differential.Tests.Running;

/// <summary>What a mounted union shows: its tree (<see cref="TreeSnapshot"/>) and its inode numbers as layer objects.</summary>
public sealed record MergedView(List<string> Tree, List<string> Inodes)
{
    public static MergedView Of(StackDirs dirs, InodeLabels labels)
    {
        labels.UpperChanged();
        return new MergedView(TreeOf(dirs.Merged), labels.Describe(dirs.Merged));
    }

    // "stat-error -2": a whiteout the kernel lists in a single-layer dir but cannot look up (see ReaddirOperation).
    public static List<string> TreeOf(string root) =>
        TreeSnapshot.Take(root, includeOverlayXattrs: true, includeOwnersAndUserXattrs: true)
            .Where(line => !line.EndsWith(" stat-error -2", StringComparison.Ordinal)).ToList();

    /// <summary>The upper dir (unmounted or not) with each origin shown as the layer object it names.</summary>
    public static List<string> Upper(StackDirs dirs, InodeLabels labels)
    {
        labels.UpperChanged();
        return TreeSnapshot.Take(dirs.Upper, includeOverlayXattrs: true, includeOwnersAndUserXattrs: true, originLabel: labels.OriginOf);
    }
}
