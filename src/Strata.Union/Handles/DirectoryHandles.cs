using Strata.Union.Nodes;

namespace Strata.Union.Handles;

/// <summary>Open directory handles: the node and the listing fixed for the handle until it is rewound.</summary>
internal sealed class DirectoryHandles
{
    private readonly Dictionary<ulong, DirectoryHandle> _open = [];
    private ulong _next = 1;

    public ulong Add(Node node, MergedDirectory listing)
    {
        ulong id = _next++;
        _open.Add(id, new DirectoryHandle(node, listing));
        return id;
    }

    public DirectoryHandle? Get(ulong id) => _open.GetValueOrDefault(id);

    public bool Remove(ulong id) => _open.Remove(id);
}

internal sealed class DirectoryHandle(Node node, MergedDirectory listing)
{
    public Node Node { get; } = node;

    public MergedDirectory Listing { get; set; } = listing;
}
