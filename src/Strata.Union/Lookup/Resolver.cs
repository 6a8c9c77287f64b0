using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Strata.Union.Options;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// Resolves a name in a union directory by walking its layer instances top to bottom, every time (files
/// changed directly in a layer dir show up; nothing negative is cached). A dir's trusted.overlay.redirect
/// sends the walk of the layers below to another name or to a path from the root, as ovl_lookup does.
/// </summary>
internal sealed class Resolver(LayerStack layers, RedirectDirMode redirectMode)
{
    private const int DirOpenFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    private enum EntryKind
    {
        Missing,
        Whiteout,
        NonDirectory,
        Directory,
    }

    private Node? _root;

    // Made on the first redirect met and reused (callers hold the engine lock).
    private RedirectTarget? _target;

    /// <summary>0, or a negative errno for a bad name or an I/O failure. A missing name is not an error: Found is false.</summary>
    public int Resolve(Node parent, ReadOnlySpan<byte> name, out Resolution result)
    {
        result = default;
        int rc = CheckName(name);
        if (rc < 0)
            return rc;
        rc = FindVisible(parent, name, ref result, out int byNameUntil);
        if (rc < 0)
        {
            result.Dispose();
            return rc;
        }
        if (!result.LowerKnown)
        {
            rc = FindLowerPositive(parent, name, byNameUntil, ref result);
            if (rc < 0)
            {
                result.Dispose();
                return rc;
            }
        }
        return 0;
    }

    // The visible object: top to bottom until something stops the merge. byNameUntil is the last layer looked at
    // under the name itself (after a redirect the layers below are searched under another name).
    private int FindVisible(Node parent, ReadOnlySpan<byte> name, ref Resolution result, out int byNameUntil)
    {
        byNameUntil = -1;
        RedirectTarget? target = null;
        bool redirected = false, stop = false;
        DirInstance[] bases = parent.Dirs;
        for (int next = 0; next < bases.Length && !stop;)
        {
            DirInstance dir = bases[next++];
            bool lower = !layers.IsUpper(dir.Layer);
            bool last = redirectMode == RedirectDirMode.NoFollow ? next >= bases.Length : dir.Layer == layers.LayerCount - 1;
            // The dir to look in: the parent's instance, or where an absolute redirect leads in this layer.
            int baseFd = dir.Fd;
            bool baseXattrWhiteouts = dir.HasXattrWhiteouts;
            int rc = target is { Absolute: true } ? WalkToParent(dir, target, last, ref stop, out baseFd, out baseXattrWhiteouts) : 0;
            if (rc < 0)
                return rc;
            if (baseFd < 0)
                continue;
            ReadOnlySpan<byte> lookFor = target is null ? name : target.LastComponent;
            rc = Probe(baseFd, lower, baseXattrWhiteouts, lookFor, out EntryKind kind, out StatX st, out int fd, out DirMarking marking);
            if (baseFd != dir.Fd && target is { Absolute: true })
                Sys.Close(baseFd);
            if (rc < 0)
                return rc;
            if (target is null)
            {
                byNameUntil = dir.Layer;
                if (lower && !result.LowerKnown && kind != EntryKind.Missing)
                {
                    result.LowerKnown = true;
                    result.LowerPositive = kind != EntryKind.Whiteout;
                }
            }
            switch (kind)
            {
                case EntryKind.Missing:
                    continue;
                case EntryKind.Whiteout:
                    result.WhiteoutSeen = true;
                    result.UpperWhiteout = !lower;
                    stop = true;
                    continue;
                case EntryKind.NonDirectory:
                    // A non-directory hides everything below, and stops the merge of a directory above it.
                    if (!result.Found)
                        SetTop(ref result, dir.Layer, st);
                    stop = true;
                    continue;
            }
            if (!result.Found)
                SetTop(ref result, dir.Layer, st);
            result.AddDir(new DirInstance(dir.Layer, fd, marking.HasXattrWhiteouts));
            if (lower && !result.HasLowerDir)
            {
                result.HasLowerDir = true;
                result.LowerDirLayer = dir.Layer;
                result.LowerDirInode = st.Inode;
            }
            if (marking.Opaque)
            {
                stop = true;
                continue;
            }
            if (!last)
            {
                rc = FollowRedirect(fd, lower, name, ref target, ref result);
                if (rc < 0)
                    return rc;
                if (rc > 0)
                {
                    redirected = true;
                    if (target!.Absolute)
                    {
                        // From the layer below this one on, the path is walked from each layer's root.
                        stop = false;
                        bases = _root!.Dirs;
                        next = dir.Layer + 1;
                    }
                }
            }
            // redirect_dir=nofollow reads redirects but refuses to merge through one (a redirect acts like a
            // symlink into the lower layers without the permission checks).
            if (lower && redirected && redirectMode == RedirectDirMode.NoFollow)
                return -Errno.EPERM;
        }
        return 0;
    }

    // The whiteout decision of remove and rename is by name in the parent's lower instances, whatever redirect
    // the visible object followed (ovl_lower_positive). Layers up to `after` were looked at under the name already.
    private int FindLowerPositive(Node parent, ReadOnlySpan<byte> name, int after, ref Resolution result)
    {
        foreach (DirInstance dir in parent.Dirs)
        {
            if (dir.Layer <= after || layers.IsUpper(dir.Layer))
                continue;
            int rc = Probe(dir.Fd, lower: true, dir.HasXattrWhiteouts, name, out EntryKind kind, out _, out _, out _, openDirs: false);
            if (rc < 0)
                return rc;
            if (kind != EntryKind.Missing)
            {
                result.LowerKnown = true;
                result.LowerPositive = kind != EntryKind.Whiteout;
                return 0;
            }
        }
        return 0;
    }

    // Reads the redirect of a dir found at the end of the walk; >0 when one was applied.
    private int FollowRedirect(int dirFd, bool lower, ReadOnlySpan<byte> name, ref RedirectTarget? target, ref Resolution result)
    {
        int size = Sys.GetXattr(dirFd, OverlayFormat.RedirectXattr, Span<byte>.Empty);
        if (size is -Errno.ENODATA or -Errno.EOPNOTSUPP)
            return 0;
        Span<byte> value = stackalloc byte[Sys.PathMax];
        int n = Redirects.Read(dirFd, value);
        if (n <= 0)
            return n;
        if (!lower)
            result.UpperRedirect = value[..n].ToArray();
        if (target is null)
        {
            target = _target ??= new RedirectTarget();
            target.Reset(name);
        }
        return target.Apply(target.ComponentCount - 1, value[..n]) ? 1 : -Errno.ENAMETOOLONG;
    }

    // Walks all but the last component of an absolute redirect from this layer's root. baseFd is -1 when the
    // path ends in this layer; else the dir holding the last component (the caller closes it unless it is the root).
    private int WalkToParent(DirInstance root, RedirectTarget target, bool last, ref bool stop, out int baseFd, out bool xattrWhiteouts)
    {
        baseFd = root.Fd;
        xattrWhiteouts = root.HasXattrWhiteouts;
        bool lower = !layers.IsUpper(root.Layer);
        Span<byte> value = stackalloc byte[Sys.PathMax];
        for (int i = 0; i < target.ComponentCount - 1; i++)
        {
            int rc = Probe(baseFd, lower, xattrWhiteouts, target.Component(i), out EntryKind kind, out _, out int fd, out DirMarking marking);
            if (baseFd != root.Fd)
                Sys.Close(baseFd);
            baseFd = -1;
            if (rc < 0)
                return rc;
            if (kind != EntryKind.Directory)
            {
                // A whiteout or a non-dir on the way cuts the path here and in every layer below.
                stop |= kind != EntryKind.Missing;
                return 0;
            }
            baseFd = fd;
            xattrWhiteouts = marking.HasXattrWhiteouts;
            if (marking.Opaque)
            {
                stop = true;
                continue;
            }
            if (last)
                continue;
            int n = Redirects.Read(fd, value);
            int remaining = target.ComponentCount - 1 - i;
            if (n > 0 && !target.Apply(i, value[..n]))
                n = -Errno.ENAMETOOLONG;
            if (n < 0)
            {
                Sys.Close(fd);
                baseFd = -1;
                return n;
            }
            if (n == 0)
                continue;
            // The walk goes on in this layer with the components after the redirected one; an absolute redirect
            // further down also overrides an opaque dir met above it.
            i = target.ComponentCount - remaining - 1;
            if (Redirects.IsAbsolute(value[..n]))
                stop = false;
        }
        return 0;
    }

    private static void SetTop(ref Resolution result, int layer, in StatX st)
    {
        result.Found = true;
        result.Type = st.Mode & FileType.S_IFMT;
        result.TopLayer = layer;
        result.Stat = st;
    }

    // What one layer dir has under a name; a dir is opened (the fd is the caller's) and its marking read.
    private static int Probe(int dirFd, bool lower, bool dirHasXattrWhiteouts, ReadOnlySpan<byte> name,
        out EntryKind kind, out StatX st, out int fd, out DirMarking marking, bool openDirs = true)
    {
        kind = EntryKind.Missing;
        fd = -1;
        marking = default;
        st = default;
        // ".wh." names in a lower layer are markers, not entries.
        if (lower && OverlayFormat.IsOciMarkerName(name))
            return 0;
        int rc = Sys.Stat(dirFd, name, out st);
        if (rc is -Errno.ENOENT or -Errno.ENAMETOOLONG)
        {
            // OCI form: ".wh.NAME" next to where NAME would be (read in lower layers only).
            if (lower && OverlayFormat.HasOciWhiteout(dirFd, name))
                kind = EntryKind.Whiteout;
            return 0;
        }
        if (rc < 0)
            return rc;
        if (OverlayFormat.IsWhiteout(dirFd, name, st, dirHasXattrWhiteouts))
        {
            kind = EntryKind.Whiteout;
            return 0;
        }
        if (!st.IsDirectory)
        {
            kind = EntryKind.NonDirectory;
            return 0;
        }
        kind = EntryKind.Directory;
        if (!openDirs)
            return 0;
        fd = Sys.OpenAt(dirFd, name, DirOpenFlags);
        if (fd < 0)
            return fd;
        marking = OverlayFormat.ReadMarking(fd, lower);
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
        _root = root;
        return root;
    }
}
