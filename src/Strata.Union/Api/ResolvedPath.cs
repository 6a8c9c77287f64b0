using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>
/// Where a path leads: the dir that holds its last component, that component's name, and the node it names (0
/// when nothing is there), with the dirs walked from the root to the parent. Holds a lookup on every node it
/// found; Dispose gives them back (a caller that keeps the final node takes it with <see cref="TakeNode"/>).
/// The root itself has no parent (<see cref="Parent"/> 0, empty name).
/// </summary>
internal sealed class ResolvedPath(UnionFileSystem union) : IDisposable
{
    private readonly List<ulong> _lookups = [];

    public ulong Parent { get; set; }

    public byte[] Name { get; set; } = [];

    public ulong Node { get; set; }

    public StatX Attr;

    /// <summary>The dirs from the root to the parent, as walked (symlinks followed): for rename's ancestry checks.</summary>
    public List<ulong> Ancestors { get; } = [];

    public bool Exists => Node != 0;

    public bool IsRoot => Node == UnionFileSystem.RootId && Parent == 0;

    public uint Type => Attr.Mode & FileType.S_IFMT;

    /// <summary>A node found on the way (or at the end): its lookup is given back at Dispose.</summary>
    public void Hold(ulong node) => _lookups.Add(node);

    /// <summary>
    /// The final node with its lookup, which the caller now owns (and forgets when done). The root holds no lookup
    /// (it is never forgotten).
    /// </summary>
    public ulong TakeNode()
    {
        int at = _lookups.LastIndexOf(Node);
        if (at >= 0)
            _lookups.RemoveAt(at);
        return Node;
    }

    public void Dispose()
    {
        foreach (ulong node in _lookups)
            union.Forget(node, 1);
        _lookups.Clear();
    }
}
