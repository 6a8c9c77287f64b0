using Strata.Posix;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

public sealed class ChangeTests
{
    private const ulong RootNode = UnionFileSystem.RootId;

    [Fact]
    public void CreateLandsInUpperWithExactModeAndOwner()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/x"), "");
        using var fs = t.Open();
        var caller = new Caller(1234, 5678, 1);
        Assert.Equal(0, fs.Create(caller, fs.Node("d"), B("new"), OpenFlags.O_WRONLY, 0x1A4 /* 0644 */, out ulong n, out StatX st, out ulong h));
        Assert.NotEqual(0UL, n);
        Assert.Equal(3, fs.Write(h, 0, B("abc")));
        Assert.Equal(0, fs.Release(h));
        StatX real = TempLayers.LStat(Path.Combine(t.Upper, "d/new"));
        Assert.Equal(0x81A4, (int)real.Mode);
        Assert.Equal(1234u, real.Uid);
        Assert.Equal(5678u, real.Gid);
        Assert.Equal("abc", File.ReadAllText(Path.Combine(t.Upper, "d/new")));
        Assert.False(File.Exists(Path.Combine(t.Lower0, "d/new")));
        Assert.Equal(-Errno.EEXIST, fs.Create(caller, fs.Node("d"), B("new"), OpenFlags.O_WRONLY | OpenFlags.O_EXCL, 0x1A4, out _, out _, out _));
    }

    [Fact]
    public void WriteToLowerFileCopiesUp()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a/b/f"), "lower data");
        Strata.Posix.Posix.ChmodAt(OpenFlags.AT_FDCWD, B(Path.Combine(t.Lower0, "a/b/f")), 0x1E0 /* 0740 */);
        TempLayers.SetXattr(Path.Combine(t.Lower0, "a/b/f"), "user.tag", "t");
        File.SetLastWriteTimeUtc(Path.Combine(t.Lower0, "a/b"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        using var fs = t.Open();
        fs.WriteAt("a/b/f", "UPPER");
        Assert.Equal("UPPER data", fs.ReadAll("a/b/f"));
        Assert.Equal("lower data", File.ReadAllText(Path.Combine(t.Lower0, "a/b/f")));
        string up = Path.Combine(t.Upper, "a/b/f");
        Assert.Equal("UPPER data", File.ReadAllText(up));
        Assert.Equal(0x81E0, (int)TempLayers.LStat(up).Mode);
        Assert.Equal("t", TempLayers.GetXattr(up, "user.tag"));
        Assert.Equal(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(t.Upper, "a/b")));
        Assert.Empty(t.WorkLeftovers());
        // The node keeps working and keeps the lower file's inode number, as the copy records it as its origin.
        Assert.Equal(0, fs.GetAttr(fs.Node("a/b/f"), out StatX st));
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower0, "a/b/f")).Inode, st.Inode);
    }

    [Fact]
    public void UnlinkOfLowerLeavesKernelWhiteout()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "x");
        TempLayers.Write(Path.Combine(t.Upper, "g"), "upper only");
        using var fs = t.Open();
        Assert.Equal(0, fs.Unlink(Root, RootNode, B("f")));
        Assert.Equal(0, fs.Unlink(Root, RootNode, B("g")));
        StatX wh = TempLayers.LStat(Path.Combine(t.Upper, "f"));
        Assert.Equal((int)FileType.S_IFCHR, wh.Mode); // c---------, as the kernel makes it
        Assert.True(wh.IsWhiteoutDevice);
        Assert.False(TempLayers.Exists(Path.Combine(t.Upper, "g")));
        Assert.Equal(-Errno.ENOENT, fs.Walk("f"));
        Assert.Equal(-Errno.ENOENT, fs.Unlink(Root, RootNode, B("f")));
        Assert.Equal([".", ".."], fs.List(""));
    }

    [Fact]
    public void RmDirNeedsEmptyMergedViewAndLeavesWhiteout()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        Directory.CreateDirectory(Path.Combine(t.Upper, "d"));
        Directory.CreateDirectory(Path.Combine(t.Upper, "only"));
        using var fs = t.Open();
        Assert.Equal(-Errno.ENOTEMPTY, fs.RmDir(Root, RootNode, B("d")));
        Assert.Equal(0, fs.Unlink(Root, fs.Node("d"), B("f")));
        Assert.Equal(0, fs.RmDir(Root, RootNode, B("d")));
        Assert.True(TempLayers.LStat(Path.Combine(t.Upper, "d")).IsWhiteoutDevice);
        Assert.Equal(0, fs.RmDir(Root, RootNode, B("only")));
        Assert.False(TempLayers.Exists(Path.Combine(t.Upper, "only")));
        Assert.Empty(t.WorkLeftovers());
    }

    [Fact]
    public void MkDirOverWhiteoutIsOpaque()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/old"), "x");
        using var fs = t.Open();
        Assert.Equal(0, fs.Unlink(Root, fs.Node("d"), B("old")));
        Assert.Equal(0, fs.RmDir(Root, RootNode, B("d")));
        Assert.Equal(0, fs.MkDir(Root, RootNode, B("d"), 0x1C0, out ulong d, out StatX st));
        Assert.True(st.IsDirectory);
        string up = Path.Combine(t.Upper, "d");
        Assert.Equal("y", TempLayers.GetXattr(up, "trusted.overlay.opaque"));
        Assert.Equal(0x41C0, (int)TempLayers.LStat(up).Mode);
        Assert.Equal([".", ".."], fs.List("d"));
        Assert.Equal(0, fs.MkDir(Root, RootNode, B("plain"), 0x1ED, out _, out _));
        Assert.Null(TempLayers.GetXattr(Path.Combine(t.Upper, "plain"), "trusted.overlay.opaque"));
        Assert.Empty(t.WorkLeftovers());
    }

    [Fact]
    public void MkDirOverLowerWhiteoutIsPlainAndStillHidesBelow()
    {
        // Found by the differential harness (seed 10): the kernel makes a dir opaque only when it replaces an
        // upper whiteout; a whiteout in a lower layer stops the merge by itself.
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/hidden"), "x");
        TempLayers.MakeWhiteout(Path.Combine(t.Lower1, "d"));
        using var fs = t.Open();
        Assert.Equal(0, fs.MkDir(Root, RootNode, B("d"), 0x1ED, out _, out _));
        Assert.Null(TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "trusted.overlay.opaque"));
        Assert.Equal([".", ".."], fs.List("d"));
    }

    [Fact]
    public void SymlinkAndReadLink()
    {
        using var t = new TempLayers();
        using var fs = t.Open();
        Assert.Equal(0, fs.Symlink(Root, RootNode, B("ln"), B("../../etc/passwd"), out ulong n, out StatX st));
        Assert.True(st.IsSymlink);
        var buffer = new byte[256];
        int len = fs.ReadLink(n, buffer);
        Assert.Equal("../../etc/passwd", System.Text.Encoding.UTF8.GetString(buffer, 0, len));
        Assert.Equal("../../etc/passwd", new FileInfo(Path.Combine(t.Upper, "ln")).LinkTarget);
        // Opening a symlink never follows it out of the layer.
        Assert.True(fs.Open(Root, n, OpenFlags.O_RDONLY, out _) < 0);
    }

    [Fact]
    public void ChmodChownUtimesCopyUp()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower1, "f"), "data");
        Strata.Posix.Posix.ChmodAt(OpenFlags.AT_FDCWD, B(Path.Combine(t.Lower1, "f")), 0x1A4);
        using var fs = t.Open();
        ulong f = fs.Node("f");
        var change = new AttrChange
        {
            Flags = AttrChangeFlags.Mode | AttrChangeFlags.Uid | AttrChangeFlags.Gid | AttrChangeFlags.ModifyTime | AttrChangeFlags.AccessTime,
            Mode = 0x1C0, Uid = 42, Gid = 43,
            AccessTime = new TimeSpec(1000, 0), ModifyTime = new TimeSpec(2000, 5),
        };
        Assert.Equal(0, fs.SetAttr(Root, f, change, out StatX st));
        Assert.Equal(0x81C0, (int)st.Mode);
        Assert.Equal(42u, st.Uid);
        Assert.Equal(2000, st.ModifyTime.Seconds);
        StatX up = TempLayers.LStat(Path.Combine(t.Upper, "f"));
        Assert.Equal(43u, up.Gid);
        Assert.Equal(5u, up.ModifyTime.Nanoseconds);
        Assert.Equal(0x81A4, (int)TempLayers.LStat(Path.Combine(t.Lower1, "f")).Mode);
        var truncate = new AttrChange { Flags = AttrChangeFlags.Size, Size = 2 };
        Assert.Equal(0, fs.SetAttr(Root, f, truncate, out st));
        Assert.Equal(2UL, st.Size);
        Assert.Equal("data", File.ReadAllText(Path.Combine(t.Lower1, "f")));
    }

    [Fact]
    public void RenameOfLowerFileLeavesWhiteoutAndLowerDirIsExdev()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "content");
        TempLayers.Write(Path.Combine(t.Lower0, "dir/x"), "");
        TempLayers.Write(Path.Combine(t.Lower0, "target"), "old");
        Directory.CreateDirectory(Path.Combine(t.Upper, "updir"));
        using var fs = t.Open();
        ulong f = fs.Node("f");
        Assert.Equal(-Errno.EEXIST, fs.Rename(Root, RootNode, B("f"), RootNode, B("target"), OpenFlags.RENAME_NOREPLACE));
        Assert.Equal(-Errno.ENOENT, fs.Rename(Root, RootNode, B("f"), RootNode, B("g"), OpenFlags.RENAME_EXCHANGE));
        Assert.Equal(0, fs.Rename(Root, RootNode, B("f"), RootNode, B("target"), 0));
        Assert.True(TempLayers.LStat(Path.Combine(t.Upper, "f")).IsWhiteoutDevice);
        Assert.Equal("content", File.ReadAllText(Path.Combine(t.Upper, "target")));
        Assert.Equal("content", fs.ReadAll("target"));
        Assert.Equal(0, fs.GetAttr(f, out StatX st)); // the node followed the rename
        Assert.Equal(7UL, st.Size);
        Assert.Equal(-Errno.EXDEV, fs.Rename(Root, RootNode, B("dir"), RootNode, B("dir2"), 0));
        Assert.Equal(-Errno.EISDIR, fs.Rename(Root, RootNode, B("target"), RootNode, B("dir"), 0));
        Assert.Equal(-Errno.ENOTDIR, fs.Rename(Root, RootNode, B("updir"), RootNode, B("target"), 0));
        Assert.Equal(-Errno.ENOTEMPTY, fs.Rename(Root, RootNode, B("updir"), RootNode, B("dir"), 0));
        Assert.Equal(0, fs.Rename(Root, RootNode, B("updir"), RootNode, B("moved"), 0));
        Assert.True(Directory.Exists(Path.Combine(t.Upper, "moved")));
        Assert.False(TempLayers.Exists(Path.Combine(t.Upper, "updir")));
        Assert.Equal([".", "..", "dir", "moved", "target"], fs.List("").Order());
    }

    [Fact]
    public void RenameOfLowerDirOntoNonEmptyDirIsExdevBeforeEnotempty()
    {
        // Found by the differential harness (seed 2): ovl_rename refuses a dir it cannot move before it looks
        // at the target, so the kernel says EXDEV where a plain emptiness check first would say ENOTEMPTY.
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a/x"), "");
        TempLayers.Write(Path.Combine(t.Lower0, "b/y"), "");
        using var fs = t.Open();
        Assert.Equal(-Errno.EXDEV, fs.Rename(Root, RootNode, B("a"), RootNode, B("b"), 0));
    }

    [Fact]
    public void RenameOfUpperDirIntoMergedDirMakesItOpaque()
    {
        // Found by the differential harness (seed 5209): ovl_rename marks a dir opaque when its new parent is
        // merged, even where no lower entry has its new name.
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "merged/x"), "");
        Directory.CreateDirectory(Path.Combine(t.Upper, "merged"));
        Directory.CreateDirectory(Path.Combine(t.Upper, "up"));
        Directory.CreateDirectory(Path.Combine(t.Upper, "up2"));
        Directory.CreateDirectory(Path.Combine(t.Upper, "uponly"));
        using var fs = t.Open();
        Assert.Equal(0, fs.Rename(Root, RootNode, B("up"), fs.Node("merged"), B("d"), 0));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "merged/d"), "trusted.overlay.opaque"));
        Assert.Equal(0, fs.Rename(Root, RootNode, B("up2"), fs.Node("uponly"), B("plain"), 0));
        Assert.Null(TempLayers.GetXattr(Path.Combine(t.Upper, "uponly/plain"), "trusted.overlay.opaque"));
    }

    [Fact]
    public void RenameOntoNonEmptyUpperOnlyDirFailsAfterMarkingTheSourceOpaque()
    {
        // Found by the differential harness (seed 20167): for an upper-only target ovl_rename leaves the
        // emptiness check to the upper fs, so the source dir is already opaque when ENOTEMPTY comes back.
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "merged/x"), "");
        Directory.CreateDirectory(Path.Combine(t.Upper, "merged/full"));
        TempLayers.Write(Path.Combine(t.Upper, "merged/full/f"), "");
        Directory.CreateDirectory(Path.Combine(t.Upper, "up"));
        using var fs = t.Open();
        Assert.Equal(-Errno.ENOTEMPTY, fs.Rename(Root, RootNode, B("up"), fs.Node("merged"), B("full"), 0));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "up"), "trusted.overlay.opaque"));
        Assert.True(TempLayers.Exists(Path.Combine(t.Upper, "merged/full/f")));
    }

    [Fact]
    public void LinkOfLowerFileCopiesUpThenLinks()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "x");
        using var fs = t.Open();
        Assert.Equal(0, fs.Link(Root, fs.Node("f"), RootNode, B("g"), out ulong g, out StatX st));
        Assert.Equal(2u, st.LinkCount);
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Upper, "f")).Inode, TempLayers.LStat(Path.Combine(t.Upper, "g")).Inode);
    }

    [Fact]
    public void ForgetDropsNodesAndLookupGivesThemBack()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        using var fs = t.Open();
        ulong d = fs.Node("d");
        ulong f = fs.Node("d/f");
        Assert.Equal(d, fs.Node("d"));
        fs.Forget(f, 1);
        Assert.Equal(-Errno.ENOENT, fs.GetAttr(f, out _));
        fs.Forget(d, 3); // two lookups of "d" and one on the way to "d/f"
        Assert.Equal(-Errno.ENOENT, fs.GetAttr(d, out _));
        Assert.Equal("x", fs.ReadAll("d/f"));
    }
}
