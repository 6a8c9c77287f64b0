namespace Strata.Union;

/// <summary>
/// One listing of a union directory ("." and ".." first), fixed for an open dir handle until it is rewound, or
/// shared by the readers of a dir that is read without handles until one of them starts again at offset 0.
/// Names are packed in one buffer. Listings are reused by the engine once their handle is done with them,
/// so building one costs no allocation once the buffers have grown.
/// </summary>
public sealed class MergedDirectory
{
    private (int Start, int Length, byte Type, ulong Inode)[] _entries = new (int, int, byte, ulong)[32];
    private byte[] _names = new byte[1024];
    private int _namesUsed;

    internal MergedDirectory()
    {
    }

    public int Count { get; private set; }

    public ReadOnlySpan<byte> NameAt(int index)
    {
        var e = _entries[index];
        return _names.AsSpan(e.Start, e.Length);
    }

    /// <summary>The DT_* type of the entry.</summary>
    public byte TypeAt(int index) => _entries[index].Type;

    /// <summary>The inode number of the entry's top-most instance.</summary>
    public ulong InodeAt(int index) => _entries[index].Inode;

    internal void Add(ReadOnlySpan<byte> name, byte type, ulong inode)
    {
        if (_namesUsed + name.Length > _names.Length)
            Array.Resize(ref _names, Math.Max(_names.Length * 2, _namesUsed + name.Length));
        name.CopyTo(_names.AsSpan(_namesUsed));
        if (Count == _entries.Length)
            Array.Resize(ref _entries, _entries.Length * 2);
        _entries[Count++] = (_namesUsed, name.Length, type, inode);
        _namesUsed += name.Length;
    }

    /// <summary>Readers copying from a listing shared by a dir's readers (see Handles.SharedListings).</summary>
    internal int Readers { get; set; }

    /// <summary>A shared listing no longer the dir's: it goes back to the pool once its last reader is done.</summary>
    internal bool Retired { get; set; }

    /// <summary>Empties the listing for its next use (the buffers stay).</summary>
    internal void Reset()
    {
        Count = 0;
        _namesUsed = 0;
        Readers = 0;
        Retired = false;
    }
}
