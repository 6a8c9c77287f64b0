namespace Strata.Union.Watching;

/// <summary>
/// The changes one read of events amounts to, gathered under the engine's lock and handed to the sink after
/// it is released (a sink may block on the kernel, which may be waiting for a request that needs the lock).
/// Reused from read to read.
/// </summary>
internal sealed class ChangeBatch
{
    private readonly List<(ulong Node, int NameStart, int NameLength, bool Subtree)> _entries = new(64);
    private readonly List<(ulong Node, bool Data)> _nodes = new(64);
    private byte[] _names = new byte[4096];
    private int _namesUsed;

    public void Clear()
    {
        _entries.Clear();
        _nodes.Clear();
        _namesUsed = 0;
    }

    public void EntryChanged(ulong parent, ReadOnlySpan<byte> name) => AddEntry(parent, name, subtree: false);

    public void DirectoryChanged(ulong parent, ReadOnlySpan<byte> name) => AddEntry(parent, name, subtree: true);

    private void AddEntry(ulong parent, ReadOnlySpan<byte> name, bool subtree)
    {
        if (_namesUsed + name.Length > _names.Length)
            Array.Resize(ref _names, Math.Max(_names.Length * 2, _namesUsed + name.Length));
        name.CopyTo(_names.AsSpan(_namesUsed));
        _entries.Add((parent, _namesUsed, name.Length, subtree));
        _namesUsed += name.Length;
    }

    public void NodeChanged(ulong node, bool data) => _nodes.Add((node, data));

    public void SendTo(IUnionChangeSink sink)
    {
        // Entries first: a name that now leads elsewhere must not be revalidated against stale attributes.
        foreach (var (node, start, length, subtree) in _entries)
        {
            if (subtree)
                sink.DirectoryChanged(node, _names.AsSpan(start, length));
            else
                sink.EntryChanged(node, _names.AsSpan(start, length));
        }
        foreach (var (node, data) in _nodes)
            sink.NodeChanged(node, data);
    }
}
