using Strata.Posix;
using Strata.Union.Handles;
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
        Identities = new NodeIdentities(layers, Inodes, Nodes, Resolver);
        Work = new WorkDir(layers);
        Origins = new OriginRecorder(layers, filesystems);
        LowerHandles = new LowerHandles();
        CopyUp = new CopyUp(layers, Work, Nodes, Origins, LowerHandles);
        Merge = new DirectoryMerge(layers, Inodes);
        ServerUid = Sys.EffectiveUid();
        ServerGid = Sys.EffectiveGid();
    }

    public LayerStack Layers { get; }

    public OverlayFeatures Features { get; }

    public InodeNumbers Inodes { get; }

    public NodeIdentities Identities { get; }

    public OriginRecorder Origins { get; }

    public NodeTable Nodes { get; }

    public Resolver Resolver { get; }

    public WorkDir Work { get; }

    public CopyUp CopyUp { get; }

    /// <summary>Read handles of files still in a lower layer, moved to the upper file when it is copied up.</summary>
    public LowerHandles LowerHandles { get; }

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
        st.Inode = Identities.Current(node, st).Number;
        return 0;
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
        if (node.Unnamed is { } unnamed)
            return Sys.FStat(unnamed.Fd, out st);
        int parentFd = node.ParentFd;
        if (parentFd < 0)
        {
            st = default;
            return -Errno.ENOENT;
        }
        return Sys.Stat(parentFd, node.Name, out st);
    }

    /// <summary>
    /// chmod of the node's top-most instance (upper by now, for a change): a dir or a nameless file through its own fd,
    /// anything else by name in its parent. Permission bits only.
    /// </summary>
    public static int ChmodTop(Node node, uint mode)
    {
        mode &= FileType.PermissionBits;
        if (node.IsDirectory)
            return node.Dirs.Length == 0 ? -Errno.ENOENT : Sys.FChmod(node.Dirs[0].Fd, mode);
        if (node.Unnamed is { } unnamed)
            return Sys.FChmod(unnamed.Fd, mode);
        int parentFd = node.ParentFd;
        return parentFd < 0 ? -Errno.ENOENT : Sys.ChmodAt(parentFd, node.Name, mode);
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
        InodeIdentity id = Identities.ForLookup(parent, name, found, known);
        // The first lookup of a merged dir in this mount records its origin if its upper instance lacks one.
        if (known is null && !Layers.IsReadOnly)
            Origins.FixMergedDirectory(parent, found);
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
    /// New objects belong to the caller: chown unless the owner is the server itself (what the server's own create
    /// gives; an object built in the work dir has its group too, whatever the setgid dir it is renamed into).
    /// </summary>
    public bool NeedsChown(in NewOwner owner) => owner.Uid != ServerUid || owner.Gid != ServerGid;

    public void Dispose()
    {
        Nodes.CloseAll();
        Layers.Dispose();
    }
}
