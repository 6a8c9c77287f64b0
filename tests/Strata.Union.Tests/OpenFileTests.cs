using System.Text;
using Strata.Posix;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

/// <summary>Open files across copy-up, and the data calls on handles (fallocate, SEEK_DATA/SEEK_HOLE, copy_file_range).</summary>
public sealed class OpenFileTests
{
    [Fact]
    public void AReadHandleOpenedBeforeCopyUpReadsTheCopyAfterIt()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "lower data");
        using var fs = t.Open();
        ulong node = fs.Node("f");
        Assert.Equal(0, fs.Open(Root, node, OpenFlags.O_RDONLY, out ulong reader));
        var buffer = new byte[64];
        Assert.Equal("lower data", Encoding.UTF8.GetString(buffer, 0, fs.Read(reader, 0, buffer)));

        fs.WriteAt("f", "UPPER"); // opens for writing: copy-up
        Assert.Equal("UPPER data", Encoding.UTF8.GetString(buffer, 0, fs.Read(reader, 0, buffer)));
        Assert.Equal(0, fs.Release(reader));
        Assert.Equal("lower data", File.ReadAllText(Path.Combine(t.Lower0, "f")));
        // The fd number was reused for the upper file, not leaked: it is closed now.
        Assert.Equal(-Errno.EBADF, Strata.Posix.Posix.FStat((int)reader, out _));
    }

    [Fact]
    public void ManyReadHandlesOfTwoFilesEachFollowOnlyTheirOwnCopyUp()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a"), "lower a");
        TempLayers.Write(Path.Combine(t.Lower0, "b"), "lower b");
        using var fs = t.Open();
        ulong a = fs.Node("a"), b = fs.Node("b");
        // More handles than the handle table starts with, some released before the copy-up.
        var readersOfA = new List<ulong>();
        var readersOfB = new List<ulong>();
        for (int i = 0; i < 150; i++)
        {
            Assert.Equal(0, fs.Open(Root, i % 2 == 0 ? a : b, OpenFlags.O_RDONLY, out ulong reader));
            (i % 2 == 0 ? readersOfA : readersOfB).Add(reader);
        }
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(0, fs.Release(readersOfA[^1]));
            readersOfA.RemoveAt(readersOfA.Count - 1);
        }

        fs.WriteAt("a", "UPPER");
        var buffer = new byte[64];
        foreach (ulong reader in readersOfA)
            Assert.Equal("UPPER a", Encoding.UTF8.GetString(buffer, 0, fs.Read(reader, 0, buffer)));
        foreach (ulong reader in readersOfB)
            Assert.Equal("lower b", Encoding.UTF8.GetString(buffer, 0, fs.Read(reader, 0, buffer)));
        foreach (ulong reader in readersOfA.Concat(readersOfB))
            Assert.Equal(0, fs.Release(reader));
        Assert.False(File.Exists(Path.Combine(t.Upper, "b")));
    }

    [Fact]
    public void FallocateSeekAndCopyRangeWorkOnHandles()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "src"), "0123456789");
        using var fs = t.Open();
        Assert.Equal(0, fs.Create(Root, UnionFileSystem.RootId, B("dst"), OpenFlags.O_RDWR, 0x1A4, out _, out _, out ulong dst));
        Assert.Equal(0, fs.Fallocate(dst, Libc.FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
        Assert.Equal(0, fs.GetAttr(fs.Node("dst"), out StatX st));
        Assert.Equal(0UL, st.Size);
        Assert.Equal(0, fs.Open(Root, fs.Node("src"), OpenFlags.O_RDONLY, out ulong src));
        Assert.Equal(4L, fs.CopyFileRange(src, 2, dst, 8192, 4, 0));
        Assert.Equal(-Errno.EINVAL, fs.CopyFileRange(src, 0, dst, 0, 4, 1));
        Assert.Equal(8192L, fs.Seek(dst, 0, Libc.SEEK_DATA));
        Assert.Equal(8196L, fs.Seek(dst, 8192, Libc.SEEK_HOLE));
        Assert.Equal(-Errno.ENXIO, fs.Seek(dst, 8196, Libc.SEEK_DATA));
        Assert.Equal(0, fs.Fallocate(dst, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 8192, 4096));
        Assert.Equal(-Errno.ENXIO, fs.Seek(dst, 0, Libc.SEEK_DATA));
        Assert.Equal(0, fs.Release(src));
        Assert.Equal(0, fs.Release(dst));
        Assert.Equal(8196L, new FileInfo(Path.Combine(t.Upper, "dst")).Length);
        Assert.False(File.Exists(Path.Combine(t.Upper, "src")));
    }
}
