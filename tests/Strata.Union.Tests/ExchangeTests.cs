using Strata.Posix;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

/// <summary>renameat2(RENAME_EXCHANGE), with the outcomes kernel overlayfs gives (checked with mount -t overlay).</summary>
public sealed class ExchangeTests
{
    private const ulong RootNode = UnionFileSystem.RootId;

    [Fact]
    public void LowerFileAndUpperDirSwapAndTheDirBecomesOpaque()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a"), "lower a");
        Directory.CreateDirectory(Path.Combine(t.Upper, "d"));
        TempLayers.Write(Path.Combine(t.Upper, "d/inner"), "in");
        using var fs = t.Open();
        ulong a = fs.Node("a"), d = fs.Node("d");
        Assert.Equal(0, fs.Rename(Root, RootNode, B("a"), RootNode, B("d"), OpenFlags.RENAME_EXCHANGE));
        // Both names now have upper entries: no whiteout, the lower "a" stays hidden by the dir.
        Assert.Equal("lower a", File.ReadAllText(Path.Combine(t.Upper, "d")));
        Assert.Equal("in", File.ReadAllText(Path.Combine(t.Upper, "a/inner")));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "a"), "trusted.overlay.opaque"));
        Assert.Equal("lower a", File.ReadAllText(Path.Combine(t.Lower0, "a")));
        Assert.Equal("lower a", fs.ReadAll("d"));
        Assert.Equal([".", "..", "inner"], fs.List("a").Order());
        // The nodes followed their objects.
        Assert.Equal(0, fs.GetAttr(a, out StatX st));
        Assert.False(st.IsDirectory);
        Assert.Equal(0, fs.GetAttr(d, out st));
        Assert.True(st.IsDirectory);
    }

    [Fact]
    public void TwoLowerFilesInDifferentDirsAreCopiedUpWithTheirParents()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "x/f"), "F");
        TempLayers.Write(Path.Combine(t.Lower1, "y/g"), "G");
        using var fs = t.Open();
        Assert.Equal(0, fs.Rename(Root, fs.Node("x"), B("f"), fs.Node("y"), B("g"), OpenFlags.RENAME_EXCHANGE));
        Assert.Equal("G", File.ReadAllText(Path.Combine(t.Upper, "x/f")));
        Assert.Equal("F", File.ReadAllText(Path.Combine(t.Upper, "y/g")));
        Assert.Equal("G", fs.ReadAll("x/f"));
        Assert.Equal("F", fs.ReadAll("y/g"));
        Assert.Empty(t.WorkLeftovers());
    }

    [Fact]
    public void LowerOrMergedDirsAreExdevAndMissingNamesEnoent()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "lowdir/x"), "");
        TempLayers.Write(Path.Combine(t.Lower0, "merged/y"), "");
        Directory.CreateDirectory(Path.Combine(t.Upper, "merged"));
        TempLayers.Write(Path.Combine(t.Upper, "f"), "");
        using var fs = t.Open();
        Assert.Equal(-Errno.EXDEV, fs.Rename(Root, RootNode, B("lowdir"), RootNode, B("f"), OpenFlags.RENAME_EXCHANGE));
        Assert.Equal(-Errno.EXDEV, fs.Rename(Root, RootNode, B("f"), RootNode, B("merged"), OpenFlags.RENAME_EXCHANGE));
        Assert.Equal(-Errno.ENOENT, fs.Rename(Root, RootNode, B("f"), RootNode, B("none"), OpenFlags.RENAME_EXCHANGE));
        Assert.Equal(-Errno.EINVAL, fs.Rename(Root, RootNode, B("f"), RootNode, B("lowdir"), OpenFlags.RENAME_EXCHANGE | OpenFlags.RENAME_NOREPLACE));
        Assert.Equal(-Errno.EINVAL, fs.Rename(Root, RootNode, B("f"), RootNode, B("g"), OpenFlags.RENAME_WHITEOUT));
        Assert.Equal(0, fs.Rename(Root, RootNode, B("f"), RootNode, B("f"), OpenFlags.RENAME_EXCHANGE));
        Assert.False(TempLayers.Exists(Path.Combine(t.Upper, "lowdir")));
    }
}
