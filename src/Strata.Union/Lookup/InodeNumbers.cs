using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// The inode number an object of the union reports, and whether it is "by lower": what the kernel's overlay
/// calls an inode of origin type (its number is a lower object's, and moving or linking it marks the new parent
/// impure). <see cref="TopInode"/> is the real inode number of the top instance it was derived from.
/// </summary>
internal readonly record struct InodeIdentity(ulong Number, bool FromLower, ulong TopInode);

/// <summary>
/// Inode numbers as the kernel's overlayfs gives them (ovl_getattr, ovl_map_ino): a lower-only object has its
/// top instance's number; a merged or copied-up dir, its top-most lower instance's; a copied-up non-dir, its
/// origin's when that lower object had one link (a copy of a hard-linked lower file gets the upper's number:
/// the link is broken); a pure upper object, the upper's; the root, the upper root's. When the layers span
/// filesystems, the layer's fsid goes in the high bits (xino), so numbers never collide under FUSE's one st_dev.
/// </summary>
internal sealed class InodeNumbers(LayerStack layers, LayerFilesystems filesystems, Origins origins)
{
    // Numbers too large to carry the fsid get one from a reserved range, once per object and mount.
    private readonly Dictionary<(int Fsid, ulong Inode), ulong> _overflow = [];

    public Origins Origins => origins;

    /// <summary>The number the union reports for inode <paramref name="inode"/> of a layer.</summary>
    public ulong Map(ulong inode, int layer)
    {
        int bits = filesystems.XinoBits;
        if (bits == 0)
            return inode;
        int shift = 64 - bits;
        int fsid = filesystems.FsidOf(layer);
        if (inode >> shift == 0)
            return inode | (ulong)fsid << (shift + 1);
        // The lowest xino bit marks the non-persistent range, as the kernel keeps it for such inodes.
        if (!_overflow.TryGetValue((fsid, inode), out ulong number))
        {
            number = (((ulong)_overflow.Count + 1) & (~0UL >> bits)) | (1UL << shift);
            _overflow.Add((fsid, inode), number);
        }
        return number;
    }

    /// <summary>The identity of a resolved name of <paramref name="parent"/>.</summary>
    public InodeIdentity Of(Node parent, ReadOnlySpan<byte> name, in Resolution found)
    {
        if (found.IsDirectory)
        {
            return found.HasLowerDir
                ? new InodeIdentity(Map(found.LowerDirInode, found.LowerDirLayer), true, found.Stat.Inode)
                : new InodeIdentity(Map(found.Stat.Inode, found.TopLayer), false, found.Stat.Inode);
        }
        if (!layers.IsUpper(found.TopLayer))
        {
            // A lower hard link is not "by lower" with an upper: copying up one of its names breaks the link.
            bool byLower = layers.IsReadOnly || found.Stat.LinkCount == 1;
            return new InodeIdentity(Map(found.Stat.Inode, found.TopLayer), byLower, found.Stat.Inode);
        }
        int upperFd = parent.DirFdIn(found.TopLayer);
        return OfUpperNonDirectory(upperFd, name, found.Stat);
    }

    /// <summary>An upper non-dir: its origin's number when the origin exists and had one link, else its own.</summary>
    public InodeIdentity OfUpperNonDirectory(int upperDirFd, ReadOnlySpan<byte> name, in StatX st)
    {
        if (origins.Find(upperDirFd, name, st.Mode, out StatX lower, out int layer) && lower.LinkCount == 1)
            return new InodeIdentity(Map(lower.Inode, layer), true, st.Inode);
        return OfNewUpperFile(st);
    }

    /// <summary>A file just made in the upper dir (create(2), O_TMPFILE): it has no origin and reports its own number.</summary>
    public InodeIdentity OfNewUpperFile(in StatX st) => new(Map(st.Inode, 0), false, st.Inode);

    /// <summary>The root reports its top layer root's number (the upper's when there is one).</summary>
    public InodeIdentity OfRoot(Node root)
    {
        int rc = Sys.FStat(root.Dirs[0].Fd, out StatX st);
        return new InodeIdentity(rc < 0 ? 0 : Map(st.Inode, root.Dirs[0].Layer), false, st.Inode);
    }

    /// <summary>The number of the root's "..": the real parent of the top layer root (what the kernel lists there).</summary>
    public ulong OfRootParent(Node root) =>
        Sys.Stat(root.Dirs[0].Fd, ".."u8, out StatX st) < 0 ? 0 : Map(st.Inode, root.Dirs[0].Layer);
}
