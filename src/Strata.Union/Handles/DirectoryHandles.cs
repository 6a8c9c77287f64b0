using Strata.Union.Nodes;

namespace Strata.Union.Handles;

/// <summary>
/// Open directory handles: the node, and the listing fixed for the handle from its first read until it is
/// rewound. Handle objects are reused. Not thread-safe (used under the engine's lock).
/// </summary>
internal sealed class DirectoryHandles
{
    private readonly Dictionary<ulong, DirectoryHandle> _open = [];
    private readonly Stack<DirectoryHandle> _free = new();
    private ulong _next = 1;

    public ulong Add(Node node)
    {
        ulong id = _next++;
        DirectoryHandle handle = _free.Count > 0 ? _free.Pop() : new DirectoryHandle();
        handle.Node = node;
        _open.Add(id, handle);
        return id;
    }

    public DirectoryHandle? Get(ulong id) => _open.GetValueOrDefault(id);

    /// <summary>Closes the handle; the caller gives back its listing, if any, before the next Add.</summary>
    public DirectoryHandle? Remove(ulong id)
    {
        if (!_open.Remove(id, out DirectoryHandle? handle))
            return null;
        _free.Push(handle);
        return handle;
    }
}

internal sealed class DirectoryHandle
{
    public Node Node { get; set; } = null!;

    /// <summary>Null until the first read.</summary>
    public MergedDirectory? Listing { get; set; }
}
