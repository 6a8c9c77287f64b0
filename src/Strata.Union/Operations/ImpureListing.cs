using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// The d_ino of the upper entries of an impure dir, worked out as their lookups would (<see cref="Lookup.NodeIdentities.OfEntry"/>).
/// As the kernel does (ovl_cache_get_impure), a dir that is upper only, and has no origin, loses its impure mark
/// when a listing finds no entry whose number needed working out: the mark only costs lookups then. One instance
/// serves every listing (they are built under the engine's lock), so that a listing allocates nothing.
/// </summary>
internal sealed class ImpureListing
{
    private readonly Engine _engine;
    private Node? _dir;
    private bool _translated;

    public ImpureListing(Engine engine)
    {
        _engine = engine;
        Callback = Inode;
    }

    /// <summary>The listing's callback for upper entries of the dir given to <see cref="For"/>.</summary>
    public UpperEntryInode Callback { get; }

    /// <summary>The callback for a listing of dir, or null when its entries need none (it has no impure upper instance).</summary>
    public UpperEntryInode? For(Node dir)
    {
        _dir = null;
        if (dir.Dirs.Length == 0 || !_engine.Layers.IsUpper(dir.Dirs[0].Layer) || !OverlayFormat.IsImpure(dir.Dirs[0].Fd))
            return null;
        _dir = dir;
        _translated = false;
        return Callback;
    }

    private ulong Inode(ReadOnlySpan<byte> name, byte type, ulong realInode)
    {
        ulong number = _engine.Identities.OfEntry(_dir!, name, type, realInode);
        _translated |= number != realInode;
        return number;
    }

    /// <summary>After a listing of an impure dir: drops the mark when nothing needed it (best effort, as in the kernel).</summary>
    public void DropMarkIfUnneeded()
    {
        Node? dir = _dir;
        _dir = null;
        if (dir is null || _translated || dir.Dirs.Length != 1 || _engine.Layers.IsReadOnly)
            return;
        int fd = dir.Dirs[0].Fd;
        if (Sys.GetXattr(fd, OverlayFormat.OriginXattr, Span<byte>.Empty) == -Errno.ENODATA)
            Sys.RemoveXattr(fd, OverlayFormat.ImpureXattr);
    }
}
