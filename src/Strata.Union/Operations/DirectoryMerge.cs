using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// Works out the d_ino of an entry of an impure upper dir (one holding copied-up entries): the inode number the
/// entry reports, given its name, d_type and its real inode number.
/// </summary>
internal delegate ulong UpperEntryInode(ReadOnlySpan<byte> name, byte type, ulong realInode);

/// <summary>
/// Builds the listing of a union directory: upper entries, then the lowers', each name once, whiteouts
/// (every form) and the names they hide dropped. The merge already stops at an opaque dir because the
/// node's instances end there. Each d_ino is what stat gives for the entry, as the kernel makes them agree in
/// merged and impure dirs: a lower entry's number in its layer's numbering; an upper one's own number, unless
/// the dir is impure and the entry has taken a lower object's number (copied up, or a merged dir).
/// </summary>
internal sealed class DirectoryMerge(LayerStack layers, InodeNumbers inodes)
{
    private const int BufferSize = 32768;

    // Reused from merge to merge (every call is made under the engine's lock).
    private readonly NameSet _seen = new();
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Stack<MergedDirectory> _free = new();

    /// <summary>Builds a listing (a reused one); give it back with <see cref="Return"/> once no one reads it.</summary>
    public int Build(ReadOnlySpan<DirInstance> dirs, ulong selfInode, ulong parentInode, UpperEntryInode? impureUpper, out MergedDirectory listing)
    {
        listing = _free.Count > 0 ? _free.Pop() : new MergedDirectory();
        listing.Add("."u8, FileType.DT_DIR, selfInode);
        listing.Add(".."u8, FileType.DT_DIR, parentInode);
        return Walk(dirs, listing, impureUpper, out _);
    }

    public void Return(MergedDirectory listing)
    {
        listing.Reset();
        _free.Push(listing);
    }

    /// <summary>0 when the merged view has no entries, -ENOTEMPTY when it has, or another negative errno.</summary>
    public int CheckEmpty(ReadOnlySpan<DirInstance> dirs)
    {
        int rc = Walk(dirs, null, null, out bool any);
        return rc < 0 ? rc : any ? -Errno.ENOTEMPTY : 0;
    }

    // Adds the visible entries to the listing; without one, stops at the first (any).
    private int Walk(ReadOnlySpan<DirInstance> dirs, MergedDirectory? listing, UpperEntryInode? impureUpper, out bool any)
    {
        any = false;
        _seen.Clear();
        foreach (DirInstance dir in dirs)
        {
            bool lower = !layers.IsUpper(dir.Layer);
            int fd = Sys.OpenAt(dir.Fd, "."u8, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            if (fd < 0)
                return fd;
            try
            {
                var entries = new DirectoryEnumerator(fd, _buffer);
                while (entries.MoveNext())
                {
                    ReadOnlySpan<byte> name = entries.Name;
                    if (lower && OverlayFormat.IsOciMarkerName(name))
                    {
                        // ".wh.NAME" hides NAME below; ".wh..wh..opq" was taken into account at lookup.
                        if (!name.SequenceEqual(OverlayFormat.OciOpaqueMarker))
                            _seen.Add(name[OverlayFormat.OciWhiteoutPrefix.Length..]);
                        continue;
                    }
                    if (!_seen.Add(name))
                        continue;
                    byte type = entries.Type;
                    if (type is FileType.DT_CHR or FileType.DT_UNKNOWN || (type == FileType.DT_REG && dir.HasXattrWhiteouts))
                    {
                        if (Sys.Stat(dir.Fd, name, out StatX st) < 0)
                            continue;
                        if (OverlayFormat.IsWhiteout(dir.Fd, name, st, dir.HasXattrWhiteouts))
                            continue;
                        type = FileType.ToDirentType(st.Mode);
                    }
                    any = true;
                    if (listing is null)
                        return 0;
                    ulong inode = lower || impureUpper is null ? inodes.Map(entries.Inode, dir.Layer) : impureUpper(name, type, entries.Inode);
                    listing.Add(name, type, inode);
                }
                if (entries.Error < 0)
                    return entries.Error;
            }
            finally
            {
                Sys.Close(fd);
            }
        }
        return 0;
    }
}
