using System.Text;
using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Diff;

/// <summary>One entry of a layer as the diff walk met it: its change, its path components and its stat.</summary>
internal readonly record struct LayerEntry(Change Change, byte[][] Components, StatX Stat);

/// <summary>
/// What a layer changed over the layers below it, as <c>docker diff</c> shows it: a whiteout is D; an entry
/// that exists below (a copied-up file, a dir) is C; anything else is A, and so is everything inside an
/// opaque or new dir. Sorted by path. Used for a writable layer (strata diff) and for each image layer over
/// the ones under it (strata layers).
/// </summary>
public static class LayerDiff
{
    public static IReadOnlyList<Change> Compute(string upper, IReadOnlyList<string> lowersTopFirst) =>
        Entries(upper, lowersTopFirst).Select(e => e.Change).ToList();

    /// <summary>The walk itself: every entry of <paramref name="upper"/> with its change and stat, sorted by path.</summary>
    internal static List<LayerEntry> Entries(string upper, IReadOnlyList<string> lowersTopFirst)
    {
        var entries = new List<LayerEntry>();
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, upper, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
            throw new IOException($"cannot open the layer {upper}: {Errno.Describe(fd)}");
        try
        {
            using var lowers = new LowerStack(lowersTopFirst);
            Walk(fd, [], lowers, allNew: false, entries);
        }
        finally
        {
            Sys.Close(fd);
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.Change.Path, b.Change.Path));
        return entries;
    }

    private static void Walk(int dirFd, byte[][] parent, LowerStack lowers, bool allNew, List<LayerEntry> entries)
    {
        DirMarking marking = OverlayFormat.ReadMarking(dirFd, lowerLayer: false);
        foreach (byte[] name in Names(dirFd))
        {
            if (Sys.Stat(dirFd, name, out StatX st) < 0)
                continue;
            byte[][] path = [.. parent, name];
            string text = PathText(path);
            if (OverlayFormat.IsWhiteout(dirFd, name, st, marking.HasXattrWhiteouts))
            {
                entries.Add(new LayerEntry(new Change('D', text), path, st));
                continue;
            }
            bool below = !allNew && lowers.Exists(path);
            entries.Add(new LayerEntry(new Change(below ? 'C' : 'A', text), path, st));
            if (!st.IsDirectory)
                continue;
            int child = Sys.OpenAt(dirFd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
            if (child < 0)
                throw new IOException($"cannot open {text} in the layer: {Errno.Describe(child)}");
            try
            {
                bool opaque = OverlayFormat.ReadMarking(child, lowerLayer: false).Opaque;
                Walk(child, path, lowers, allNew || opaque || !below, entries);
            }
            finally
            {
                Sys.Close(child);
            }
        }
    }

    /// <summary>A path from the image root as the commands print it: <c>/a/b</c>.</summary>
    internal static string PathText(IEnumerable<byte[]> components) =>
        "/" + string.Join('/', components.Select(c => Encoding.UTF8.GetString(c)));

    private static List<byte[]> Names(int dirFd)
    {
        var names = new List<byte[]>();
        byte[] buffer = new byte[32 * 1024];
        var entries = new DirectoryEnumerator(dirFd, buffer);
        while (entries.MoveNext())
            names.Add(entries.Name.ToArray());
        if (entries.Error < 0)
            throw new IOException($"cannot read a dir of the layer: {Errno.Describe(entries.Error)}");
        return names;
    }
}
