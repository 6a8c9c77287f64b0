namespace Strata.Differential.Tests.Running;

/// <summary>
/// What a mounted union shows: its tree (<see cref="TreeSnapshot"/>), the st_ino of each path and the d_ino of
/// each listed entry, as the layer objects they belong to.
/// </summary>
public sealed record MergedView(List<string> Tree, List<string> Objects, List<ListedInode> Listed)
{
    public static MergedView Of(StackDirs dirs, InodeLabels labels)
    {
        labels.UpperChanged();
        var (objects, listed) = labels.Describe(dirs.Merged);
        return new MergedView(TreeOf(dirs.Merged), objects, listed);
    }

    /// <summary>
    /// The st_ino lines and, per dir, its listed d_ino: all but those where the kernel's view lists a d_ino that is
    /// not the st_ino of what it names. The kernel does that with ".." when the parent's number is not a lower
    /// object's (it lists the raw ".." of the dir's top layer: a lower-only merged dir in the root shows the top
    /// lower's root), and with an entry linked into an upper-only impure dir whose cached listing it does not
    /// refresh. Strata's d_ino always is the st_ino (<see cref="Disagreements"/>).
    /// </summary>
    public List<string> Inodes(MergedView kernel)
    {
        var skip = kernel.Listed.Where(e => e.Disagreement is not null).Select(e => (e.Dir, e.Name)).ToHashSet();
        var lines = new List<string>(Objects);
        foreach (var dir in Listed.Where(e => !skip.Contains((e.Dir, e.Name))).GroupBy(e => e.Dir))
            lines.Add($"{dir.Key}/ d_ino {string.Join(' ', dir.Select(e => $"{e.Name}={e.Label}").Order(StringComparer.Ordinal))}");
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>The listed d_ino that are not the st_ino of what they name.</summary>
    public List<string> Disagreements => Listed.Where(e => e.Disagreement is not null).Select(e => $"{e.Dir}/{e.Name}: {e.Disagreement}").ToList();

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
