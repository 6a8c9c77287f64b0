using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// Resolves a name in a union directory by walking its layer instances top to bottom, every time (files
/// changed directly in a layer dir show up; nothing negative is cached).
/// </summary>
internal sealed class Resolver(LayerStack layers)
{
    private const int DirOpenFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    /// <summary>0, or a negative errno for a bad name or an I/O failure. A missing name is not an error: Found is false.</summary>
    public int Resolve(Node parent, ReadOnlySpan<byte> name, out Resolution result)
    {
        result = default;
        int rc = CheckName(name);
        if (rc < 0)
            return rc;
        bool visibleDone = false, lowerDone = false;
        foreach (DirInstance dir in parent.Dirs)
        {
            if (visibleDone && lowerDone)
                break;
            bool lower = !layers.IsUpper(dir.Layer);
            // ".wh." names in a lower layer are markers, not entries.
            if (lower && OverlayFormat.IsOciMarkerName(name))
                continue;
            rc = Sys.Stat(dir.Fd, name, out StatX st);
            if (rc == -Errno.ENOENT)
            {
                // OCI form: ".wh.NAME" next to where NAME would be (read in lower layers only).
                if (lower && OverlayFormat.HasOciWhiteout(dir.Fd, name))
                {
                    result.WhiteoutSeen |= !visibleDone;
                    visibleDone = true;
                    lowerDone = true;
                }
                continue;
            }
            if (rc < 0)
            {
                result.Dispose();
                return rc;
            }
            bool whiteout = OverlayFormat.IsWhiteout(dir.Fd, name, st, dir.HasXattrWhiteouts);
            if (lower && !lowerDone)
            {
                lowerDone = true;
                result.LowerPositive = !whiteout;
            }
            if (visibleDone)
                continue;
            if (whiteout)
            {
                result.WhiteoutSeen = true;
                result.UpperWhiteout = !lower;
                visibleDone = true;
                continue;
            }
            bool isDir = st.IsDirectory;
            if (!result.Found)
            {
                result.Found = true;
                result.Type = st.Mode & FileType.S_IFMT;
                result.TopLayer = dir.Layer;
                result.Stat = st;
            }
            if (!isDir)
            {
                // A non-directory hides everything below, and stops the merge of a directory above it.
                visibleDone = true;
                continue;
            }
            int fd = Sys.OpenAt(dir.Fd, name, DirOpenFlags);
            if (fd < 0)
            {
                result.Dispose();
                return fd;
            }
            DirMarking marking = OverlayFormat.ReadMarking(fd, lower);
            result.AddDir(new DirInstance(dir.Layer, fd, marking.HasXattrWhiteouts));
            if (marking.Opaque)
                visibleDone = true;
        }
        return 0;
    }

    public static int CheckName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.IndexOf((byte)'/') >= 0 || name.IndexOf((byte)0) >= 0)
            return -Errno.EINVAL;
        if (name.Length > Sys.NameMax)
            return -Errno.ENAMETOOLONG;
        if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            return -Errno.EINVAL;
        return 0;
    }

    /// <summary>The root node: every layer root merged (the root is never cut off by markings).</summary>
    public Node OpenRoot()
    {
        var root = new Node(UnionFileSystem.RootId, null, []) { Type = FileType.S_IFDIR, Lookups = 1 };
        var dirs = new DirInstance[layers.LayerCount];
        for (int i = 0; i < dirs.Length; i++)
        {
            int fd = Sys.OpenAt(layers.RootFd(i), "."u8, DirOpenFlags);
            if (fd < 0)
            {
                for (int j = 0; j < i; j++)
                    Sys.Close(dirs[j].Fd);
                throw new LayerStackException(fd, layers.PathOf(i), "cannot open layer root");
            }
            dirs[i] = new DirInstance(i, fd, OverlayFormat.ReadMarking(fd, !layers.IsUpper(i)).HasXattrWhiteouts);
        }
        root.Dirs = dirs;
        return root;
    }
}
