using Strata.Posix;
using Strata.Union.Handles;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Strata.Union.Operations;
using Sys = Strata.Posix.Posix;

namespace Strata.Union;

/// <summary>
/// The shared state of the engine's components: layers, node table, resolver, work dir, copy-up, and the
/// one lock held around every namespace operation and copy-up (reads and writes on open files go without).
/// </summary>
internal sealed class Engine : IDisposable
{
    public Engine(LayerStack layers)
    {
        Layers = layers;
        Resolver = new Resolver(layers);
        Nodes = new NodeTable(Resolver.OpenRoot());
        Work = new WorkDir(layers);
        LowerHandles = new LowerHandles();
        CopyUp = new CopyUp(layers, Work, Nodes, LowerHandles);
        Merge = new DirectoryMerge(layers);
        ServerUid = Sys.EffectiveUid();
        ServerGid = Sys.EffectiveGid();
    }

    public LayerStack Layers { get; }

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

    /// <summary>statx of the node's top-most instance.</summary>
    public static int Stat(Node node, out StatX st)
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
        attr = found.Stat;
        Node node = Nodes.Install(parent, name, ref found);
        found.Dispose();
        nodeId = node.Id;
        return 0;
    }

    /// <summary>New objects belong to the caller: chown when he is not the server.</summary>
    public bool NeedsChown(in Caller caller) => caller.Uid != ServerUid || caller.Gid != ServerGid;

    public void Dispose()
    {
        Nodes.CloseAll();
        Layers.Dispose();
    }
}
