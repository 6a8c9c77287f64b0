namespace Strata.Union;

/// <summary>
/// One listing of a union directory ("." and ".." first), fixed for an open dir handle until it is
/// rewound. Names are packed in one buffer.
/// </summary>
public sealed class MergedDirectory
{
    private readonly List<byte> _names = new(1024);
    private readonly List<(int Start, int Length, byte Type, ulong Inode)> _entries = new(32);
    private byte[] _packed = [];

    internal MergedDirectory()
    {
    }

    public int Count => _entries.Count;

    public ReadOnlySpan<byte> NameAt(int index)
    {
        var e = _entries[index];
        return _packed.AsSpan(e.Start, e.Length);
    }

    /// <summary>The DT_* type of the entry.</summary>
    public byte TypeAt(int index) => _entries[index].Type;

    /// <summary>The inode number of the entry's top-most instance.</summary>
    public ulong InodeAt(int index) => _entries[index].Inode;

    internal void Add(ReadOnlySpan<byte> name, byte type, ulong inode)
    {
        _entries.Add((_names.Count, name.Length, type, inode));
        _names.AddRange(name);
    }

    /// <summary>Called once all entries are in.</summary>
    internal void Seal() => _packed = [.. _names];
}
