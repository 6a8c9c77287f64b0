using Strata.Union.Nodes;

namespace Strata.Union.Handles;

/// <summary>Open directory handles: the node, and the listing fixed for the handle from its first read until it is rewound.</summary>
internal sealed class DirectoryHandles
{
    private readonly Dictionary<ulong, DirectoryHandle> _open = [];
    private ulong _next = 1;

    public ulong Add(Node node)
    {
        ulong id = _next++;
        _open.Add(id, new DirectoryHandle(node));
        return id;
    }

    public DirectoryHandle? Get(ulong id) => _open.GetValueOrDefault(id);

    public bool Remove(ulong id) => _open.Remove(id);
}

internal sealed class DirectoryHandle(Node node)
{
    public Node Node { get; } = node;

    /// <summary>Null until the first read.</summary>
    public MergedDirectory? Listing { get; set; }
}
