using System.Text;
using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>
/// A root with one file whose entry, attributes and pages the kernel may keep for an hour; the test changes
/// the file behind the kernel's back and invalidates. With a backing path it opens the file in passthrough.
/// </summary>
internal sealed class CachingFileSystem(string content) : FuseFileSystem
{
    public const string FileName = "cached";
    public const ulong FileNode = 2;
    private const ulong Hour = 3600;
    private int reads;
    private int backingOpens;

    public string Content { get; set; } = content;

    public bool Hidden { get; set; }

    public string? BackingPath { get; init; }

    public long BackingLength { get; init; }

    public FuseChannel? Channel { get; set; }

    public int Reads => Volatile.Read(ref reads);

    public int BackingOpens => Volatile.Read(ref backingOpens);

    private long Size => BackingPath is null ? Encoding.UTF8.GetByteCount(Content) : BackingLength;

    public override int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry)
    {
        if (parent != FuseProtocol.RootId || Hidden || !name.SequenceEqual(Encoding.UTF8.GetBytes(FileName)))
            return -Errno.ENOENT;
        entry.NodeId = FileNode;
        entry.EntryValid = Hour;
        entry.AttrValid = Hour;
        FillFile(ref entry.Attr);
        return 0;
    }

    public override int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr)
    {
        attr.AttrValid = Hour;
        if (nodeId == FuseProtocol.RootId)
        {
            attr.Attr.Ino = nodeId;
            attr.Attr.Mode = FileType.S_IFDIR | 0x1ED;
            attr.Attr.NLink = 2;
            return 0;
        }
        if (nodeId != FileNode) return -Errno.ENOENT;
        FillFile(ref attr.Attr);
        return 0;
    }

    public override int Open(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open)
    {
        if (BackingPath is null)
        {
            open.OpenFlags = FuseOpenFlags.KeepCache;
            return 0;
        }
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, BackingPath, OpenFlags.O_RDONLY);
        if (fd < 0) return fd;
        try
        {
            int id = Channel!.OpenBacking(fd);
            if (id < 0) return id;
            Interlocked.Increment(ref backingOpens);
            open.OpenFlags = FuseOpenFlags.Passthrough;
            open.BackingId = id;
            return 0;
        }
        finally
        {
            // The kernel holds its own reference to the backing file from the reply on.
            Posix.Posix.Close(fd);
        }
    }

    public override int Read(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, Span<byte> buffer, out int bytesRead)
    {
        Interlocked.Increment(ref reads);
        byte[] bytes = Encoding.UTF8.GetBytes(Content);
        int n = (int)Math.Clamp(bytes.Length - offset, 0, buffer.Length);
        bytes.AsSpan((int)Math.Min(offset, bytes.Length), n).CopyTo(buffer);
        bytesRead = n;
        return 0;
    }

    public override int Release(in FuseRequestContext ctx, ulong nodeId, ulong fh, int flags) => 0;

    public override int Flush(in FuseRequestContext ctx, ulong nodeId, ulong fh) => 0;

    private void FillFile(ref FuseAttr attr)
    {
        attr.Ino = FileNode;
        attr.Mode = FileType.S_IFREG | 0x1A4;
        attr.NLink = 1;
        attr.Size = (ulong)Size;
        attr.Blocks = (attr.Size + 511) / 512;
    }
}
