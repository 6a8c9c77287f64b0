using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>
/// Packs READDIR (fuse_dirent) or READDIRPLUS (fuse_direntplus) records straight into the reply buffer. The buffer
/// is exactly as large as the kernel asked for; a record that does not fit is refused whole, and the filesystem
/// stops there (the kernel asks again from that record's offset).
/// </summary>
public ref struct DirentWriter
{
    private readonly Span<byte> buffer;

    public DirentWriter(Span<byte> buffer)
    {
        this.buffer = buffer;
        BytesWritten = 0;
    }

    /// <summary>Bytes of records written so far: the length of the reply's payload.</summary>
    public int BytesWritten { get; private set; }

    /// <summary>Bytes still free.</summary>
    public readonly int Remaining => buffer.Length - BytesWritten;

    /// <summary>Adds a fuse_dirent. <paramref name="nextOffset"/> is where to resume after this entry.</summary>
    public bool TryAdd(ReadOnlySpan<byte> name, ulong ino, uint direntType, long nextOffset)
    {
        int size = Align8(Unsafe.SizeOf<FuseDirent>() + name.Length);
        if (size > Remaining)
            return false;
        WriteDirent(buffer.Slice(BytesWritten, size), name, ino, direntType, nextOffset);
        BytesWritten += size;
        return true;
    }

    /// <summary>Whether a fuse_direntplus with a name of this length still fits (check before a lookup it would count as).</summary>
    public readonly bool FitsPlus(int nameLength) =>
        Align8(Unsafe.SizeOf<FuseEntryOut>() + Unsafe.SizeOf<FuseDirent>() + nameLength) <= Remaining;

    /// <summary>
    /// Adds a fuse_direntplus. A non-zero <see cref="FuseEntryOut.NodeId"/> counts as a lookup, exactly as a
    /// LOOKUP reply would; a zero one tells the kernel to skip the entry's attributes.
    /// </summary>
    public bool TryAddPlus(in FuseEntryOut entry, ReadOnlySpan<byte> name, uint direntType, long nextOffset)
    {
        int entrySize = Unsafe.SizeOf<FuseEntryOut>();
        int size = Align8(entrySize + Unsafe.SizeOf<FuseDirent>() + name.Length);
        if (size > Remaining)
            return false;
        Span<byte> record = buffer.Slice(BytesWritten, size);
        MemoryMarshal.Write(record, in entry);
        WriteDirent(record[entrySize..], name, entry.Attr.Ino, direntType, nextOffset);
        BytesWritten += size;
        return true;
    }

    private static void WriteDirent(Span<byte> record, ReadOnlySpan<byte> name, ulong ino, uint type, long nextOffset)
    {
        var dirent = new FuseDirent { Ino = ino, Offset = (ulong)nextOffset, NameLength = (uint)name.Length, Type = type };
        MemoryMarshal.Write(record, in dirent);
        int nameStart = Unsafe.SizeOf<FuseDirent>();
        name.CopyTo(record[nameStart..]);
        // The padding goes to the kernel (and on to user space): never leak an earlier reply's bytes.
        record[(nameStart + name.Length)..].Clear();
    }

    private static int Align8(int n) => (n + 7) & ~7;
}
