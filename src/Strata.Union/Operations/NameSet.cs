namespace Strata.Union.Operations;

/// <summary>
/// A set of names (byte strings) for one directory merge at a time, reused from merge to merge so that a
/// listing costs no allocation once the set has grown to the largest directory seen. Open addressing over
/// one arena of name bytes. Not thread-safe (used under the engine's lock).
/// </summary>
internal sealed class NameSet
{
    private int[] _slots = new int[256]; // index + 1 into _entries; 0 is empty
    private (int Start, int Length, int Hash)[] _entries = new (int, int, int)[128];
    private byte[] _arena = new byte[4096];
    private int _count;
    private int _arenaUsed;

    public void Clear()
    {
        if (_count > 0)
            Array.Clear(_slots);
        _count = 0;
        _arenaUsed = 0;
    }

    /// <summary>Adds the name; false when it was there already.</summary>
    public bool Add(ReadOnlySpan<byte> name)
    {
        if ((_count + 1) * 2 > _slots.Length)
            Grow();
        int hash = Hash(name);
        int mask = _slots.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            int slot = _slots[i];
            if (slot == 0)
            {
                _slots[i] = Store(name, hash) + 1;
                return true;
            }
            var (start, length, h) = _entries[slot - 1];
            if (h == hash && name.SequenceEqual(_arena.AsSpan(start, length)))
                return false;
        }
    }

    private int Store(ReadOnlySpan<byte> name, int hash)
    {
        if (_arenaUsed + name.Length > _arena.Length)
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + name.Length));
        name.CopyTo(_arena.AsSpan(_arenaUsed));
        if (_count == _entries.Length)
            Array.Resize(ref _entries, _entries.Length * 2);
        _entries[_count] = (_arenaUsed, name.Length, hash);
        _arenaUsed += name.Length;
        return _count++;
    }

    private void Grow()
    {
        _slots = new int[_slots.Length * 2];
        int mask = _slots.Length - 1;
        for (int e = 0; e < _count; e++)
        {
            int i = _entries[e].Hash & mask;
            while (_slots[i] != 0)
                i = (i + 1) & mask;
            _slots[i] = e + 1;
        }
    }

    // FNV-1a: names are short, and this needs no per-process seed.
    private static int Hash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        foreach (byte b in name)
            h = (h ^ b) * 16777619;
        return (int)(h ^ (h >> 16));
    }
}
