using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Diff;

/// <summary>What one layer says about a path, as overlayfs lookup reads it.</summary>
internal enum LayerVerdict
{
    /// <summary>The layer has the entry: it is the visible version unless a layer above decided first.</summary>
    Found,

    /// <summary>The entry, or a dir on its way, is a whiteout in this layer.</summary>
    Whiteout,

    /// <summary>A dir on the way is opaque in this layer and does not have the next name.</summary>
    OpaqueDir,

    /// <summary>Something on the way is a non-dir in this layer, which hides whatever lies below it.</summary>
    NonDirParent,

    /// <summary>The layer has nothing to say: lookup goes on to the layer below.</summary>
    NotHere,
}

/// <summary>
/// A layer's verdict on a path; <see cref="Depth"/> is how many components lead to the one that decided it
/// (the whiteout, the opaque dir, the non-dir), and <see cref="Stat"/> is the found entry's or that one's.
/// <see cref="OpaqueOnTheWay"/>: a dir above the found entry is opaque in this layer, so no layer below has a say.
/// </summary>
internal readonly record struct LayerHit(LayerVerdict Verdict, int Depth, StatX Stat, bool OpaqueOnTheWay = false)
{
    public bool Decides => Verdict != LayerVerdict.NotHere;
}

/// <summary>The first layer (top-first index into the stack) whose verdict decides a path, or -1 when none does.</summary>
internal readonly record struct StackHit(int Layer, LayerHit Hit)
{
    public bool Visible => Hit.Verdict == LayerVerdict.Found;
}

/// <summary>
/// Read-only layers (top first): whether a path is visible in their merged view, and which layer decides it,
/// with whiteouts, opaque dirs and non-dirs hiding what lies below, as overlayfs resolves it. The format
/// (whiteout forms, opaque marks) is the engine's <see cref="OverlayFormat"/>. Walks by dir fds from each
/// layer root and never follows a symlink.
/// </summary>
internal sealed class LowerStack : IDisposable
{
    private const int DirFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    private readonly IReadOnlyList<string> _topFirst;
    private readonly int[] _rootFds;

    public LowerStack(IReadOnlyList<string> topFirst)
    {
        _topFirst = topFirst;
        _rootFds = new int[topFirst.Count];
        Array.Fill(_rootFds, -1);
        for (int i = 0; i < topFirst.Count; i++)
        {
            int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, topFirst[i], OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            if (fd < 0)
            {
                Dispose();
                throw new IOException($"cannot open the layer {topFirst[i]}: {Errno.Describe(fd)}");
            }
            _rootFds[i] = fd;
        }
    }

    public int Count => _topFirst.Count;

    public string LayerDir(int topFirstIndex) => _topFirst[topFirstIndex];

    public void Dispose()
    {
        foreach (int fd in _rootFds)
        {
            if (fd >= 0)
                Sys.Close(fd);
        }
        Array.Fill(_rootFds, -1);
    }

    public bool Exists(IReadOnlyList<byte[]> components) => Locate(components).Visible;

    /// <summary>Walks the layers from the top until one decides the path.</summary>
    public StackHit Locate(IReadOnlyList<byte[]> components) => LocateFrom(0, components);

    /// <summary>As <see cref="Locate"/>, starting at the top-first layer index <paramref name="first"/>.</summary>
    public StackHit LocateFrom(int first, IReadOnlyList<byte[]> components)
    {
        for (int layer = first; layer < _rootFds.Length; layer++)
        {
            LayerHit hit = Resolve(layer, components);
            if (hit.Decides)
                return new StackHit(layer, hit);
        }
        return new StackHit(-1, new LayerHit(LayerVerdict.NotHere, components.Count, default));
    }

    /// <summary>
    /// The nearest layer above the top-first index <paramref name="layer"/> that decides the path (scanning
    /// upwards): the one that overwrote or deleted that layer's entry first. -1 when none does, that is when
    /// the entry of <paramref name="layer"/> (if it has one) is the visible version.
    /// </summary>
    public StackHit LocateAbove(int layer, IReadOnlyList<byte[]> components)
    {
        for (int above = layer - 1; above >= 0; above--)
        {
            LayerHit hit = Resolve(above, components);
            if (hit.Decides)
                return new StackHit(above, hit);
        }
        return new StackHit(-1, new LayerHit(LayerVerdict.NotHere, components.Count, default));
    }

    /// <summary>
    /// One layer's verdict on a path, looked up from that layer's root alone. An opaque dir on the way cuts the
    /// layers below off from everything under it, so a name missing anywhere beneath it is hidden, not just one
    /// missing right inside it. The layer root's own mark does not count: the kernel merges the roots of all
    /// layers whatever their xattrs say.
    /// </summary>
    public LayerHit Resolve(int layer, IReadOnlyList<byte[]> components)
    {
        int fd = _rootFds[layer];
        int opaqueAt = -1;
        try
        {
            for (int i = 0; i < components.Count; i++)
            {
                byte[] name = components[i];
                DirMarking marking = i == 0 ? new DirMarking(false, HasXattrWhiteouts(fd)) : OverlayFormat.ReadMarking(fd, lowerLayer: true);
                if (marking.Opaque)
                    opaqueAt = i;
                if (Sys.Stat(fd, name, out StatX st) < 0)
                {
                    if (OverlayFormat.HasOciWhiteout(fd, name))
                        return new LayerHit(LayerVerdict.Whiteout, i + 1, default);
                    return opaqueAt >= 0 ? new LayerHit(LayerVerdict.OpaqueDir, opaqueAt, default) : new LayerHit(LayerVerdict.NotHere, i, default);
                }
                if (OverlayFormat.IsWhiteout(fd, name, st, marking.HasXattrWhiteouts))
                    return new LayerHit(LayerVerdict.Whiteout, i + 1, st);
                if (i == components.Count - 1)
                    return new LayerHit(LayerVerdict.Found, i + 1, st, opaqueAt >= 0);
                if (!st.IsDirectory)
                    return new LayerHit(LayerVerdict.NonDirParent, i + 1, st);
                int child = Sys.OpenAt(fd, name, DirFlags);
                if (child < 0)
                    throw new IOException($"cannot open a dir in the layer {_topFirst[layer]}: {Errno.Describe(child)}");
                if (fd != _rootFds[layer])
                    Sys.Close(fd);
                fd = child;
            }
            // The root itself: every layer has it.
            Sys.FStat(fd, out StatX root);
            return new LayerHit(LayerVerdict.Found, 0, root);
        }
        finally
        {
            if (fd != _rootFds[layer])
                Sys.Close(fd);
        }
    }

    private static bool HasXattrWhiteouts(int dirFd) => OverlayFormat.ReadMarking(dirFd, lowerLayer: false).HasXattrWhiteouts;

    /// <summary>Whether the dir at the path in a layer is opaque: it then hides the same dir in every layer below.</summary>
    public bool IsOpaqueDir(int layer, IReadOnlyList<byte[]> components)
    {
        if (components.Count == 0)
            return false; // as in Resolve: the roots always merge
        int fd = _rootFds[layer];
        try
        {
            foreach (byte[] name in components)
            {
                int child = Sys.OpenAt(fd, name, DirFlags);
                if (child < 0)
                    return false;
                if (fd != _rootFds[layer])
                    Sys.Close(fd);
                fd = child;
            }
            return OverlayFormat.ReadMarking(fd, lowerLayer: true).Opaque;
        }
        finally
        {
            if (fd != _rootFds[layer])
                Sys.Close(fd);
        }
    }

    /// <summary>The target of a symlink at the path in a layer.</summary>
    public byte[] ReadLink(int layer, IReadOnlyList<byte[]> components)
    {
        int fd = _rootFds[layer];
        try
        {
            for (int i = 0; i < components.Count - 1; i++)
            {
                int child = Sys.OpenAt(fd, components[i], DirFlags);
                if (child < 0)
                    throw new IOException($"cannot open a dir in the layer {_topFirst[layer]}: {Errno.Describe(child)}");
                if (fd != _rootFds[layer])
                    Sys.Close(fd);
                fd = child;
            }
            byte[] buffer = new byte[Sys.PathMax];
            int n = Sys.ReadLinkAt(fd, components[^1], buffer);
            if (n < 0)
                throw new IOException($"cannot read a symlink in the layer {_topFirst[layer]}: {Errno.Describe(n)}");
            return buffer[..n];
        }
        finally
        {
            if (fd != _rootFds[layer])
                Sys.Close(fd);
        }
    }
}
