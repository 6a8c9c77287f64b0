using Strata.Union.Nodes;
using Strata.Union.Operations;

namespace Strata.Union.Handles;

/// <summary>
/// Listings of dirs read without an open handle (a FUSE kernel told that OPENDIR is not implemented opens dirs
/// itself and reads them with handle 0). One listing per dir: a read at offset 0 builds it afresh, later offsets
/// read on in it, and the read past its end (the kernel's sign that it has it all) lets it go. Readers copy from a
/// listing outside the engine's lock, so a listing replaced meanwhile goes back to the pool only when its last
/// reader is done. Listings left by readers that stopped half-way are let go once more than <see cref="MaxKept"/>
/// are kept; a later read of one builds it again, in the same order while the dir is unchanged.
/// Not thread-safe: used under the engine's lock.
/// </summary>
internal sealed class SharedListings(DirectoryMerge merge)
{
    private const int MaxKept = 64;

    private readonly Dictionary<ulong, (Node Dir, MergedDirectory Listing)> _byDir = [];

    /// <summary>The dir's listing, null when it has none (never read, or let go).</summary>
    public MergedDirectory? Current(Node dir) =>
        _byDir.TryGetValue(dir.Id, out var kept) && kept.Dir == dir ? kept.Listing : null;

    /// <summary>Makes a freshly built listing the dir's, letting go of the one it had.</summary>
    public void Replace(Node dir, MergedDirectory listing)
    {
        if (_byDir.Remove(dir.Id, out var old))
            Retire(old.Listing);
        if (_byDir.Count >= MaxKept)
            LetGoOfUnread();
        _byDir.Add(dir.Id, (dir, listing));
    }

    /// <summary>A reader starts copying from the listing.</summary>
    public static void Acquire(MergedDirectory listing) => listing.Readers++;

    /// <summary>A reader is done with the listing; <paramref name="pastEnd"/>: it found nothing left to read.</summary>
    public void Release(ulong dirId, MergedDirectory listing, bool pastEnd)
    {
        listing.Readers--;
        if (pastEnd && _byDir.TryGetValue(dirId, out var kept) && kept.Listing == listing)
        {
            _byDir.Remove(dirId);
            Retire(listing);
        }
        else if (listing.Retired && listing.Readers == 0)
        {
            merge.Return(listing);
        }
    }

    private void LetGoOfUnread()
    {
        foreach (var (id, kept) in _byDir)
        {
            if (kept.Listing.Readers == 0)
            {
                _byDir.Remove(id);
                Retire(kept.Listing);
            }
        }
    }

    private void Retire(MergedDirectory listing)
    {
        listing.Retired = true;
        if (listing.Readers == 0)
            merge.Return(listing);
    }
}
