using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// The identity (<see cref="InodeIdentity"/>) each node reports: worked out at lookup and kept, so that getattr
/// reads no xattr; worked out again only when the node's top instance is no longer the one it came from (a
/// copy-up, a replacement made in the layer dir). Also the d_ino of entries that have no node.
/// </summary>
internal sealed class NodeIdentities(LayerStack layers, InodeNumbers inodes, NodeTable nodes, Resolver resolver)
{
    /// <summary>The identity of a name just resolved; <paramref name="known"/> is the node that name had, if any.</summary>
    public InodeIdentity ForLookup(Node parent, ReadOnlySpan<byte> name, in Resolution found, Node? known)
    {
        // Looked up again and unchanged: no need to follow its origin again.
        if (known is not null && !found.IsDirectory && known.Type == found.Type && known.TopLayer == found.TopLayer
            && known.Identity.TopInode == found.Stat.Inode && known.Identity.Number != 0)
            return known.Identity;
        return inodes.Of(parent, name, found);
    }

    /// <summary>The node's identity given a fresh statx of its top instance.</summary>
    public InodeIdentity Current(Node node, in StatX top)
    {
        InodeIdentity id = node.Identity;
        if (node.IsDirectory || id.TopInode == top.Inode && id.Number != 0)
            return id;
        id = layers.IsUpper(node.TopLayer)
            ? inodes.OfUpperNonDirectory(node.ParentFd, node.Name, top)
            : new InodeIdentity(inodes.Map(top.Inode, node.TopLayer), layers.IsReadOnly || top.LinkCount == 1, top.Inode);
        node.Identity = id;
        return id;
    }

    /// <summary>
    /// The d_ino of an entry of an impure upper dir: what a lookup would give, from the node when the entry has
    /// one, else from the entry's origin (a non-dir) or its lower instances (a dir).
    /// </summary>
    public ulong OfEntry(Node dir, ReadOnlySpan<byte> name, byte type, ulong realInode)
    {
        Node? known = nodes.Find(dir, name);
        if (known is not null && known.Identity.Number != 0 && (known.IsDirectory || known.Identity.TopInode == realInode))
            return known.Identity.Number;
        if (type != FileType.DT_DIR)
        {
            int upperFd = dir.Dirs[0].Fd;
            if (Sys.Stat(upperFd, name, out StatX st) < 0)
                return inodes.Map(realInode, 0);
            if (!st.IsDirectory)
                return inodes.OfUpperNonDirectory(upperFd, name, st).Number;
        }
        if (resolver.Resolve(dir, name, out Resolution found) < 0)
            return inodes.Map(realInode, 0);
        using (found)
            return found.Found ? inodes.Of(dir, name, found).Number : inodes.Map(realInode, 0);
    }
}
