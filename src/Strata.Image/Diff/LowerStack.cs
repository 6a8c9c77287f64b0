using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Diff;

/// <summary>
/// The read-only layers under a writable one (top first): whether a path is visible in their merged view,
/// with whiteouts, opaque dirs and non-dirs hiding what lies below, as overlayfs resolves it. Walks by dir
/// fds from each layer root and never follows a symlink.
/// </summary>
internal sealed class LowerStack
{
    private readonly IReadOnlyList<string> _topFirst;

    public LowerStack(IReadOnlyList<string> topFirst)
    {
        _topFirst = topFirst;
    }

    public bool Exists(IReadOnlyList<byte[]> components)
    {
        foreach (string layer in _topFirst)
        {
            switch (Resolve(layer, components))
            {
                case Found.Yes:
                    return true;
                case Found.Hidden:
                    return false;
            }
        }
        return false;
    }

    private enum Found
    {
        Yes,
        Hidden,
        NotHere,
    }

    private static Found Resolve(string layer, IReadOnlyList<byte[]> components)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, layer, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
            throw new IOException($"cannot open the layer {layer}: {Errno.Describe(fd)}");
        try
        {
            for (int i = 0; i < components.Count; i++)
            {
                byte[] name = components[i];
                DirMarking marking = OverlayFormat.ReadMarking(fd, lowerLayer: true);
                if (Sys.Stat(fd, name, out StatX st) < 0)
                    return OverlayFormat.HasOciWhiteout(fd, name) || marking.Opaque ? Found.Hidden : Found.NotHere;
                if (OverlayFormat.IsWhiteout(fd, name, st, marking.HasXattrWhiteouts))
                    return Found.Hidden;
                if (i == components.Count - 1)
                    return Found.Yes;
                if (!st.IsDirectory)
                    return Found.Hidden;
                int child = Sys.OpenAt(fd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
                if (child < 0)
                    throw new IOException($"cannot open a dir in the layer {layer}: {Errno.Describe(child)}");
                Sys.Close(fd);
                fd = child;
            }
            return Found.Yes;
        }
        finally
        {
            Sys.Close(fd);
        }
    }
}
