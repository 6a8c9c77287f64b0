using Strata.Union.Lookup;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Nodes;

/// <summary>
/// The known nodes: by id (what the front end holds) and by (parent, name) (so that looking up a name
/// again gives the same node, refreshed). Not thread-safe: the engine's lock is held around every call.
/// </summary>
internal sealed class NodeTable
{
    private readonly Dictionary<ulong, Node> _byId = [];
    private readonly Dictionary<NodeKey, Node> _byName = new(NodeKeyComparer.Instance);
    private readonly Dictionary<NodeKey, Node>.AlternateLookup<NodeKeyView> _byNameView;
    private ulong _nextId = UnionFileSystem.RootId + 1;

    public NodeTable(Node root)
    {
        _byNameView = _byName.GetAlternateLookup<NodeKeyView>();
        Root = root;
        _byId.Add(root.Id, root);
    }

    public Node Root { get; }

    /// <summary>Told of every layer dir a node starts and stops holding (the layer watcher marks them).</summary>
    public IDirObserver? Observer { get; set; }

    /// <summary>Every live node (for a watcher that lost track of changes and must assume everything changed).</summary>
    public IEnumerable<Node> All => _byId.Values;

    public Node? Get(ulong id) => _byId.GetValueOrDefault(id);

    public Node? Find(Node parent, ReadOnlySpan<byte> name) =>
        _byNameView.TryGetValue(new NodeKeyView(parent.Id, name), out Node? node) ? node : null;

    /// <summary>
    /// Makes the node for a resolved name known (+1 lookup): the existing one refreshed with the new layer
    /// data when the type is unchanged, else a new node. Takes ownership of the resolution's dir fds.
    /// </summary>
    public Node Install(Node parent, ReadOnlySpan<byte> name, ref Resolution found)
    {
        Node? node = Find(parent, name);
        if (node is not null && node.Type != found.Type)
        {
            Detach(node);
            node = null;
        }
        if (node is null)
        {
            node = new Node(_nextId++, parent, name.ToArray());
            parent.Children++;
            _byId.Add(node.Id, node);
            _byName.Add(new NodeKey(parent.Id, node.Name), node);
            node.Attached = true;
        }
        node.Type = found.Type;
        node.TopLayer = found.TopLayer;
        SetDirs(node, found.TakeDirs());
        node.Lookups++;
        return node;
    }

    /// <summary>A node for a file that has no name (+1 lookup): no parent, reached through <paramref name="file"/>.</summary>
    public Node AddUnnamed(uint type, int topLayer, UnnamedFile file)
    {
        var node = new Node(_nextId++, null, []) { Type = type, TopLayer = topLayer, Unnamed = file, Lookups = 1 };
        _byId.Add(node.Id, node);
        return node;
    }

    /// <summary>A file without a name was linked at (parent, name): the node lives there now, reached by name.</summary>
    public void Name(Node node, Node parent, ReadOnlySpan<byte> name)
    {
        Move(node, parent, name);
        node.Unnamed?.Close();
        node.Unnamed = null;
    }

    /// <summary>The name no longer leads to this node (unlinked, replaced); it lives on until forgotten.</summary>
    public void Detach(Node node)
    {
        if (!node.Attached || node.Parent is null)
            return;
        _byName.Remove(new NodeKey(node.Parent.Id, node.Name));
        node.Attached = false;
        DropIfUnused(node);
    }

    public void Detach(Node parent, ReadOnlySpan<byte> name)
    {
        Node? node = Find(parent, name);
        if (node is not null)
            Detach(node);
    }

    /// <summary>After a rename: the node now lives at (newParent, newName); whatever was there is detached.</summary>
    public void Move(Node node, Node newParent, ReadOnlySpan<byte> newName)
    {
        Detach(newParent, newName);
        if (node.Attached && node.Parent is not null)
            _byName.Remove(new NodeKey(node.Parent.Id, node.Name));
        Node? oldParent = node.Parent;
        node.Parent = newParent;
        newParent.Children++;
        node.Name = newName.ToArray();
        _byName.Add(new NodeKey(newParent.Id, node.Name), node);
        node.Attached = true;
        if (oldParent is not null)
        {
            oldParent.Children--;
            DropIfUnused(oldParent);
        }
    }

    /// <summary>
    /// After RENAME_EXCHANGE: the nodes known at the two names trade places. Both keys are freed before either
    /// is taken again, and old parents lose their child count only after the new ones gained theirs, so no
    /// parent is dropped in between.
    /// </summary>
    public void Swap(Node parentA, ReadOnlySpan<byte> nameA, Node parentB, ReadOnlySpan<byte> nameB)
    {
        Node? a = Find(parentA, nameA), b = Find(parentB, nameB);
        if (a is not null)
            _byName.Remove(new NodeKey(parentA.Id, a.Name));
        if (b is not null)
            _byName.Remove(new NodeKey(parentB.Id, b.Name));
        byte[] keyA = nameA.ToArray(), keyB = nameB.ToArray();
        if (a is not null)
            Place(a, parentB, keyB);
        if (b is not null)
            Place(b, parentA, keyA);
        if (a is not null)
        {
            parentA.Children--;
            DropIfUnused(parentA);
        }
        if (b is not null)
        {
            parentB.Children--;
            DropIfUnused(parentB);
        }
    }

    private void Place(Node node, Node parent, byte[] name)
    {
        node.Parent = parent;
        parent.Children++;
        node.Name = name;
        _byName.Add(new NodeKey(parent.Id, name), node);
        node.Attached = true;
    }

    public void Forget(ulong id, ulong count)
    {
        if (id == Root.Id || !_byId.TryGetValue(id, out Node? node))
            return;
        node.Lookups = count >= node.Lookups ? 0 : node.Lookups - count;
        DropIfUnused(node);
    }

    // A node is dropped when the kernel forgot it and no child still needs its dir fds.
    private void DropIfUnused(Node node)
    {
        while (node.Lookups == 0 && node.Children == 0 && node != Root && !node.Dropped)
        {
            if (node.Attached && node.Parent is not null)
                _byName.Remove(new NodeKey(node.Parent.Id, node.Name));
            node.Attached = false;
            node.Dropped = true;
            _byId.Remove(node.Id);
            CloseDirs(node);
            // A file that never got a name goes with its last descriptor: nothing of it stays in the upper dir.
            node.Unnamed?.Close();
            Node? parent = node.Parent;
            if (parent is null)
                return;
            parent.Children--;
            node = parent;
        }
    }

    /// <summary>The node now merges these layer dirs (top first); the ones it held before are closed.</summary>
    public void SetDirs(Node node, DirInstance[] dirs)
    {
        CloseDirs(node);
        node.Dirs = dirs;
        if (Observer is not null)
        {
            foreach (DirInstance d in dirs)
                Observer.Added(node, d);
        }
    }

    /// <summary>After copy-up: the dir now has an upper instance on top of the ones it had.</summary>
    public void AddUpperDir(Node node, DirInstance upper)
    {
        var dirs = new DirInstance[node.Dirs.Length + 1];
        dirs[0] = upper;
        node.Dirs.CopyTo(dirs, 1);
        node.Dirs = dirs;
        node.TopLayer = upper.Layer;
        Observer?.Added(node, upper);
    }

    private void CloseDirs(Node node)
    {
        foreach (DirInstance d in node.Dirs)
        {
            Observer?.Removed(node, d);
            Sys.Close(d.Fd);
        }
        node.Dirs = [];
    }

    public void CloseAll()
    {
        foreach (Node node in _byId.Values)
        {
            CloseDirs(node);
            node.Unnamed?.Close();
        }
        _byId.Clear();
        _byName.Clear();
    }
}
