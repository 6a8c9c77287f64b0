using System.Text;
using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// Builds the listing of a union directory: upper entries, then the lowers', each name once, whiteouts
/// (every form) and the names they hide dropped. The merge already stops at an opaque dir because the
/// node's instances end there.
/// </summary>
internal sealed class DirectoryMerge(LayerStack layers)
{
    private const int BufferSize = 32768;

    public int Build(ReadOnlySpan<DirInstance> dirs, ulong selfInode, ulong parentInode, out MergedDirectory listing)
    {
        listing = new MergedDirectory();
        listing.Add("."u8, FileType.DT_DIR, selfInode);
        listing.Add(".."u8, FileType.DT_DIR, parentInode);
        int rc = Walk(dirs, listing, stopAtFirst: false);
        listing.Seal();
        return rc;
    }

    /// <summary>0 when the merged view has no entries, -ENOTEMPTY when it has, or another negative errno.</summary>
    public int CheckEmpty(ReadOnlySpan<DirInstance> dirs)
    {
        var listing = new MergedDirectory();
        int rc = Walk(dirs, listing, stopAtFirst: true);
        return rc < 0 ? rc : listing.Count == 0 ? 0 : -Errno.ENOTEMPTY;
    }

    private int Walk(ReadOnlySpan<DirInstance> dirs, MergedDirectory listing, bool stopAtFirst)
    {
        // Latin-1 maps each byte to one char, so it is a lossless key for arbitrary name bytes.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            foreach (DirInstance dir in dirs)
            {
                bool lower = !layers.IsUpper(dir.Layer);
                int fd = Sys.OpenAt(dir.Fd, "."u8, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
                if (fd < 0)
                    return fd;
                try
                {
                    var entries = new DirectoryEnumerator(fd, buffer);
                    while (entries.MoveNext())
                    {
                        ReadOnlySpan<byte> name = entries.Name;
                        if (lower && OverlayFormat.IsOciMarkerName(name))
                        {
                            // ".wh.NAME" hides NAME below; ".wh..wh..opq" was taken into account at lookup.
                            if (!name.SequenceEqual(OverlayFormat.OciOpaqueMarker))
                                seen.Add(Encoding.Latin1.GetString(name[OverlayFormat.OciWhiteoutPrefix.Length..]));
                            continue;
                        }
                        if (!seen.Add(Encoding.Latin1.GetString(name)))
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
                        listing.Add(name, type, entries.Inode);
                        if (stopAtFirst)
                            return 0;
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
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
