using System.Text;
using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Diff;

/// <summary>
/// What a writable layer changed over the layers below it, as <c>docker diff</c> shows it: a whiteout is D; an
/// entry that exists below (a copied-up file, a dir) is C; anything else is A, and so is everything inside an
/// opaque or new dir. Sorted by path.
/// </summary>
public static class LayerDiff
{
    public static IReadOnlyList<Change> Compute(string upper, IReadOnlyList<string> lowersTopFirst)
    {
        var changes = new List<Change>();
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, upper, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
            throw new IOException($"cannot open the writable layer {upper}: {Errno.Describe(fd)}");
        try
        {
            Walk(fd, [], new LowerStack(lowersTopFirst), allNew: false, changes);
        }
        finally
        {
            Sys.Close(fd);
        }
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    private static void Walk(int dirFd, List<byte[]> parent, LowerStack lowers, bool allNew, List<Change> changes)
    {
        DirMarking marking = OverlayFormat.ReadMarking(dirFd, lowerLayer: false);
        foreach (byte[] name in Names(dirFd))
        {
            if (Sys.Stat(dirFd, name, out StatX st) < 0)
                continue;
            List<byte[]> path = [.. parent, name];
            string text = "/" + string.Join('/', path.Select(c => Encoding.UTF8.GetString(c)));
            if (OverlayFormat.IsWhiteout(dirFd, name, st, marking.HasXattrWhiteouts))
            {
                changes.Add(new Change('D', text));
                continue;
            }
            bool below = !allNew && lowers.Exists(path);
            changes.Add(new Change(below ? 'C' : 'A', text));
            if (!st.IsDirectory)
                continue;
            int child = Sys.OpenAt(dirFd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
            if (child < 0)
                throw new IOException($"cannot open {text} in the writable layer: {Errno.Describe(child)}");
            try
            {
                bool opaque = OverlayFormat.ReadMarking(child, lowerLayer: false).Opaque;
                Walk(child, path, lowers, allNew || opaque || !below, changes);
            }
            finally
            {
                Sys.Close(child);
            }
        }
    }

    private static List<byte[]> Names(int dirFd)
    {
        var names = new List<byte[]>();
        byte[] buffer = new byte[32 * 1024];
        var entries = new DirectoryEnumerator(dirFd, buffer);
        while (entries.MoveNext())
            names.Add(entries.Name.ToArray());
        if (entries.Error < 0)
            throw new IOException($"cannot read a dir of the writable layer: {Errno.Describe(entries.Error)}");
        return names;
    }
}
