namespace Strata.Mount.Caching;

/// <summary>
/// Decides which missing names the kernel may cache as missing: those asked for a second time. A name looked
/// up once and then created directly in a layer dir (the overlay walkthrough's "ls; touch layer/x; cat x")
/// is then never hidden by a negative entry, not even for the moment the layer watcher needs to see the
/// change; names that are searched for again and again (PATH, include dirs, .gitignore) are cached from
/// their second miss on. A fixed table of hashes: no allocation, no lock (a lost race only means one more
/// uncached miss, or, on a hash collision, one name cached a miss early).
/// </summary>
internal sealed class MissFilter
{
    private const int SlotBits = 16;
    private readonly ulong[] _slots = new ulong[1 << SlotBits];

    /// <summary>Records the miss; true when the same name of the same directory missed before.</summary>
    public bool MissedBefore(ulong parent, ReadOnlySpan<byte> name)
    {
        ulong hash = Hash(parent, name) | 1; // 0 marks an empty slot
        ref ulong slot = ref _slots[(int)(hash >> (64 - SlotBits))];
        if (Volatile.Read(ref slot) == hash)
            return true;
        Volatile.Write(ref slot, hash);
        return false;
    }

    // FNV-1a over the parent id and the name bytes.
    private static ulong Hash(ulong parent, ReadOnlySpan<byte> name)
    {
        const ulong Prime = 1099511628211;
        ulong h = 14695981039346656037;
        for (int i = 0; i < 8; i++)
        {
            h = (h ^ (byte)(parent >> (8 * i))) * Prime;
        }
        foreach (byte b in name)
            h = (h ^ b) * Prime;
        return h;
    }
}
