using Strata.Posix;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Strata.Union.Operations;
using Strata.Union.Options;
using Sys = Strata.Posix.Posix;

namespace Strata.Union;

/// <summary>
/// The shared state of the engine's components: layers, node table, resolver, work dir, copy-up, and the
/// one lock held around every namespace operation and copy-up (reads and writes on open files go without).
/// </summary>
internal sealed class Engine : IDisposable
{
    public Engine(LayerStack layers, OverlayFeatures features)
    {
        Layers = layers;
        Features = features;
        var filesystems = new LayerFilesystems(layers, features);
        Inodes = new InodeNumbers(layers, filesystems, new Origins(layers, filesystems));
        Resolver = new Resolver(layers, features.RedirectDir);
        Nodes = new NodeTable(Resolver.OpenRoot());
        Nodes.Root.Identity = Inodes.OfRoot(Nodes.Root);
        Work = new WorkDir(layers);
        Origins = new OriginRecorder(layers, filesystems);
        CopyUp = new CopyUp(layers, Work, Nodes, Origins);
        Merge = new DirectoryMerge(layers, Inodes);
        ServerUid = Sys.EffectiveUid();
        ServerGid = Sys.EffectiveGid();
    }

    public LayerStack Layers { get; }

    public OverlayFeatures Features { get; }

    public InodeNumbers Inodes { get; }

    public OriginRecorder Origins { get; }

    public NodeTable Nodes { get; }

    public Resolver Resolver { get; }

    public WorkDir Work { get; }

    public CopyUp CopyUp { get; }

    public DirectoryMerge Merge { get; }

    public Lock Gate { get; } = new();

    public uint ServerUid { get; }

    public uint ServerGid { get; }

    public int GetNode(ulong id, out Node node)
    {
        node = Nodes.Get(id)!;
        return node is null ? -Errno.ENOENT : 0;
    }

    public int GetDirectory(ulong id, out Node node)
    {
        int rc = GetNode(id, out node);
        if (rc < 0)
            return rc;
        return node.IsDirectory ? 0 : -Errno.ENOTDIR;
    }

    /// <summary>statx of the node's top-most instance, with the inode number the union reports.</summary>
    public int Stat(Node node, out StatX st)
    {
        int rc = StatTop(node, out st);
        if (rc < 0)
            return rc;
        st.Inode = IdentityOf(node, st).Number;
        return 0;
    }

    // The identity worked out at lookup, unless the top instance has changed since (a copy-up, a replacement
    // made in the layer dir): then again from what the layers hold now, as a new lookup would.
    private InodeIdentity IdentityOf(Node node, in StatX top)
    {
        InodeIdentity id = node.Identity;
        if (node.IsDirectory || id.TopInode == top.Inode && id.Number != 0)
            return id;
        id = Layers.IsUpper(node.TopLayer)
            ? Inodes.OfUpperNonDirectory(node.ParentFd, node.Name, top)
            : new InodeIdentity(Inodes.Map(top.Inode, node.TopLayer), Layers.IsReadOnly || top.LinkCount == 1, top.Inode);
        node.Identity = id;
        return id;
    }

    private static int StatTop(Node node, out StatX st)
    {
        if (node.IsDirectory)
        {
            if (node.Dirs.Length == 0)
            {
                st = default;
                return -Errno.ENOENT;
            }
            return Sys.FStat(node.Dirs[0].Fd, out st);
        }
        int parentFd = node.ParentFd;
        if (parentFd < 0)
        {
            st = default;
            return -Errno.ENOENT;
        }
        return Sys.Stat(parentFd, node.Name, out st);
    }

    /// <summary>Resolves a name afresh and hands out its node (+1 lookup).</summary>
    public int LookupAndInstall(Node parent, ReadOnlySpan<byte> name, out ulong nodeId, out StatX attr)
    {
        nodeId = 0;
        attr = default;
        int rc = Resolver.Resolve(parent, name, out Resolution found);
        if (rc < 0)
            return rc;
        if (!found.Found)
        {
            found.Dispose();
            return -Errno.ENOENT;
        }
        Node? known = Nodes.Find(parent, name);
        InodeIdentity id;
        if (known is not null && !found.IsDirectory && known.Type == found.Type && known.TopLayer == found.TopLayer
            && known.Identity.TopInode == found.Stat.Inode && known.Identity.Number != 0)
        {
            // Looked up again and unchanged: no need to follow its origin again.
            id = known.Identity;
        }
        else
        {
            id = Inodes.Of(parent, name, found);
            // The first lookup of a merged dir in this mount records its origin if its upper instance lacks one.
            if (known is null && !Layers.IsReadOnly)
                Origins.FixMergedDirectory(parent, found);
        }
        attr = found.Stat;
        attr.Inode = id.Number;
        byte[]? redirect = found.UpperRedirect;
        Node node = Nodes.Install(parent, name, ref found);
        found.Dispose();
        node.Identity = id;
        node.Redirect = redirect;
        nodeId = node.Id;
        return 0;
    }

    /// <summary>
    /// The d_ino of an entry of an impure upper dir: what a lookup would give, from the node when the entry has
    /// one, else from the entry's origin (a non-dir) or its lower instances (a dir).
    /// </summary>
    public ulong EntryInode(Node dir, ReadOnlySpan<byte> name, byte type, ulong realInode)
    {
        Node? known = Nodes.Find(dir, name);
        if (known is not null && known.Identity.Number != 0 && (known.IsDirectory || known.Identity.TopInode == realInode))
            return known.Identity.Number;
        if (type != FileType.DT_DIR)
        {
            int upperFd = dir.Dirs[0].Fd;
            if (Sys.Stat(upperFd, name, out StatX st) < 0)
                return Inodes.Map(realInode, 0);
            if (!st.IsDirectory)
                return Inodes.OfUpperNonDirectory(upperFd, name, st).Number;
        }
        if (Resolver.Resolve(dir, name, out Resolution found) < 0)
            return Inodes.Map(realInode, 0);
        using (found)
            return found.Found ? Inodes.Of(dir, name, found).Number : Inodes.Map(realInode, 0);
    }

    /// <summary>New objects belong to the caller: chown when he is not the server.</summary>
    public bool NeedsChown(in Caller caller) => caller.Uid != ServerUid || caller.Gid != ServerGid;

    public void Dispose()
    {
        Nodes.CloseAll();
        Layers.Dispose();
    }
}
