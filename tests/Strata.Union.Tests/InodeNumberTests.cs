using Strata.Posix;
using Strata.Union.Format;
using static Strata.Union.Tests.UnionHelpers;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Tests;

/// <summary>
/// Inode numbers as the kernel's overlayfs gives them (all layers on one filesystem here): which layer object's
/// number each kind of object reports, that copy-up, forget and remount keep it, that readdir agrees, and the
/// origin and impure records that make a later mount (Strata's or the kernel's) give the same numbers.
/// </summary>
public sealed class InodeNumberTests
{
    [Fact]
    public void EachKindOfObjectReportsTheKernelsNumber()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "f");
        TempLayers.Write(Path.Combine(t.Lower0, "m/a"), "a");
        TempLayers.Write(Path.Combine(t.Lower1, "m/b"), "b");
        TempLayers.Write(Path.Combine(t.Upper, "u"), "u");
        using var fs = t.Open();
        Assert.Equal(TempLayers.LStat(t.Upper).Inode, fs.Ino(""));
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower0, "f")).Inode, fs.Ino("f"));
        // A merged dir reports its top-most lower instance (l1 is the top lower).
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower1, "m")).Inode, fs.Ino("m"));
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Upper, "u")).Inode, fs.Ino("u"));
        foreach (string name in new[] { "f", "m", "u" })
            Assert.Equal(fs.Ino(name), fs.ListedIno("", name));
    }

    [Fact]
    public void CopyUpKeepsTheLowerNumberAcrossForgetAndRemount()
    {
        using var t = new TempLayers();
        string lower = Path.Combine(t.Lower0, "d/f");
        TempLayers.Write(lower, "data");
        ulong lowerIno = TempLayers.LStat(lower).Inode;
        using (var fs = t.Open())
        {
            Assert.Equal(lowerIno, fs.Ino("d/f"));
            fs.WriteAt("d/f", "DATA");
            Assert.Equal(lowerIno, fs.Ino("d/f"));
            Assert.Equal(lowerIno, fs.ListedIno("d", "f"));
            ulong node = fs.Node("d/f");
            fs.Forget(node, 2);
            Assert.Equal(lowerIno, fs.Ino("d/f"));
        }
        using (var again = t.Open())
            Assert.Equal(lowerIno, again.Ino("d/f"));

        // What the kernel writes: origin = ovl_fb of the lower's file handle and its filesystem's uuid; impure parents.
        byte[] origin = TempLayers.GetXattrBytes(Path.Combine(t.Upper, "d/f"), "trusted.overlay.origin")!;
        Assert.Equal(OriginKind.Handle, OriginHandle.Parse(origin, out ReadOnlySpan<byte> uuid, out int type, out ReadOnlySpan<byte> handle));
        Span<byte> expected = stackalloc byte[Libc.MAX_HANDLE_SZ];
        int length = Sys.NameToHandle(OpenFlags.AT_FDCWD, B(lower), expected, out int expectedType);
        Assert.Equal(expectedType, type);
        Assert.True(handle.SequenceEqual(expected[..length]));
        Span<byte> fsUuid = stackalloc byte[16];
        int root = Sys.OpenAt(OpenFlags.AT_FDCWD, t.Lower0, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.Equal(0, Sys.GetFsUuid(root, fsUuid));
        Sys.Close(root);
        Assert.True(uuid.SequenceEqual(fsUuid));
        Assert.Equal([0, 0xfb, (byte)origin.Length, 0, (byte)type], origin[..5]);
        Assert.NotNull(TempLayers.GetXattrBytes(Path.Combine(t.Upper, "d"), "trusted.overlay.origin"));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "trusted.overlay.impure"));
        Assert.Equal("y", TempLayers.GetXattr(t.Upper, "trusted.overlay.impure"));
    }

    [Fact]
    public void CopyOfAHardLinkedLowerFileBreaksTheLink()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "h1"), "h");
        Assert.Equal(0, Sys.LinkAt(OpenFlags.AT_FDCWD, B(Path.Combine(t.Lower0, "h1")), OpenFlags.AT_FDCWD, B(Path.Combine(t.Lower0, "h2"))));
        ulong lowerIno = TempLayers.LStat(Path.Combine(t.Lower0, "h1")).Inode;
        using var fs = t.Open();
        Assert.Equal(lowerIno, fs.Ino("h1"));
        fs.WriteAt("h1", "H");
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Upper, "h1")).Inode, fs.Ino("h1"));
        Assert.Equal(lowerIno, fs.Ino("h2"));
        Assert.Equal(fs.Ino("h1"), fs.ListedIno("", "h1"));
        Assert.Null(TempLayers.GetXattrBytes(Path.Combine(t.Upper, "h1"), "trusted.overlay.origin"));
    }

    [Fact]
    public void MergedDirRecordsItsOriginAtFirstLookup()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower1, "m/a"), "a");
        Directory.CreateDirectory(Path.Combine(t.Upper, "m"));
        using var fs = t.Open();
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower1, "m")).Inode, fs.Ino("m"));
        byte[] origin = TempLayers.GetXattrBytes(Path.Combine(t.Upper, "m"), "trusted.overlay.origin")!;
        Assert.Equal(OriginKind.Handle, OriginHandle.Parse(origin, out _, out _, out ReadOnlySpan<byte> handle));
        Span<byte> expected = stackalloc byte[Libc.MAX_HANDLE_SZ];
        int length = Sys.NameToHandle(OpenFlags.AT_FDCWD, B(Path.Combine(t.Lower1, "m")), expected, out _);
        Assert.True(handle.SequenceEqual(expected[..length]));
        Assert.Equal("y", TempLayers.GetXattr(t.Upper, "trusted.overlay.impure"));
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("wrong type")]
    [InlineData("garbage")]
    [InlineData("other uuid")]
    public void AnOriginThatCannotBeFollowedFallsBackToTheUpperNumber(string kind)
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "gone"), "x");
        Directory.CreateDirectory(Path.Combine(t.Lower0, "dir"));
        string upper = Path.Combine(t.Upper, "f");
        TempLayers.Write(upper, "u");
        string target = Path.Combine(t.Lower0, kind == "wrong type" ? "dir" : "gone");
        Span<byte> handle = stackalloc byte[Libc.MAX_HANDLE_SZ];
        int length = Sys.NameToHandle(OpenFlags.AT_FDCWD, B(target), handle, out int type);
        byte[] uuid = new byte[16];
        int root = Sys.OpenAt(OpenFlags.AT_FDCWD, t.Lower0, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Sys.GetFsUuid(root, uuid);
        Sys.Close(root);
        if (kind == "other uuid")
            uuid[0] ^= 0xff;
        var value = new byte[OriginHandle.MaxLength];
        int n = OriginHandle.Encode(uuid, type, handle[..length], value);
        TempLayers.SetXattrBytes(upper, "trusted.overlay.origin", kind == "garbage" ? [0, 0xfb, 5] : value[..n]);
        if (kind == "stale")
            File.Delete(target);
        using var fs = t.Open();
        Assert.Equal(TempLayers.LStat(upper).Inode, fs.Ino("f"));
    }

    [Fact]
    public void ImpureDirListsTheNumbersStatGives()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "f");
        TempLayers.Write(Path.Combine(t.Lower0, "d/sub/x"), "x");
        using var fs = t.Open();
        fs.WriteAt("d/f", "F");
        // d is now impure: f's upper entry lists the lower number, like the still-lower sub.
        Assert.Equal(fs.Ino("d/f"), fs.ListedIno("d", "f"));
        Assert.Equal(fs.Ino("d/sub"), fs.ListedIno("d", "sub"));
        Assert.Equal(0, fs.Create(Root, fs.Node("d"), B("new"), OpenFlags.O_WRONLY, 0x1A4, out _, out _, out ulong h));
        fs.Release(h);
        Assert.Equal(fs.Ino("d/new"), fs.ListedIno("d", "new"));
        Assert.Equal(fs.Ino("d"), fs.ListedIno("d", "."));
        Assert.Equal(fs.Ino(""), fs.ListedIno("d", ".."));
    }

    [Fact]
    public void AnImpureMarkNothingNeedsGoesAtTheNextListing()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "f");
        Directory.CreateDirectory(Path.Combine(t.Upper, "u"));
        using var fs = t.Open();
        // A copy moved into the upper-only dir u makes it impure; once it is gone, a listing drops the mark
        // (ovl_cache_get_impure), as long as u has no origin of its own.
        fs.WriteAt("f", "F");
        Assert.Equal(0, fs.Rename(Root, UnionFileSystem.RootId, B("f"), fs.Node("u"), B("f"), 0));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "u"), "trusted.overlay.impure"));
        fs.List("u");
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "u"), "trusted.overlay.impure"));
        Assert.Equal(0, fs.Unlink(Root, fs.Node("u"), B("f")));
        fs.List("u");
        Assert.Null(TempLayers.GetXattr(Path.Combine(t.Upper, "u"), "trusted.overlay.impure"));
    }
}
