using Strata.Posix;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

public sealed class LookupAndReadDirTests
{
    [Fact]
    public void TopLayerWinsAndLowerOnlyNamesShow()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a"), "bottom");
        TempLayers.Write(Path.Combine(t.Lower1, "a"), "top");
        TempLayers.Write(Path.Combine(t.Lower0, "b"), "only-bottom");
        TempLayers.Write(Path.Combine(t.Upper, "a"), "upper");
        using var fs = t.Open();
        Assert.Equal("upper", fs.ReadAll("a"));
        Assert.Equal("only-bottom", fs.ReadAll("b"));
        Assert.Equal(-Errno.ENOENT, fs.Walk("missing"));
        Assert.Equal(0, fs.GetAttr(fs.Node("a"), out StatX st));
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Upper, "a")).Inode, st.Inode);
    }

    [Fact]
    public void EveryWhiteoutFormHides()
    {
        using var t = new TempLayers();
        foreach (string n in new[] { "dev", "oci", "x/xattr" })
            TempLayers.Write(Path.Combine(t.Lower0, n), "hidden");
        TempLayers.Write(Path.Combine(t.Lower0, "x/kept"), "kept");
        TempLayers.MakeWhiteout(Path.Combine(t.Lower1, "dev"));
        TempLayers.Write(Path.Combine(t.Lower1, ".wh.oci"), "");
        Directory.CreateDirectory(Path.Combine(t.Lower1, "x"));
        TempLayers.SetXattr(Path.Combine(t.Lower1, "x"), "trusted.overlay.opaque", "x");
        TempLayers.Write(Path.Combine(t.Lower1, "x/xattr"), "");
        TempLayers.SetXattr(Path.Combine(t.Lower1, "x/xattr"), "trusted.overlay.whiteout", "");
        using var fs = t.Open();
        Assert.Equal(-Errno.ENOENT, fs.Walk("dev"));
        Assert.Equal(-Errno.ENOENT, fs.Walk("oci"));
        Assert.Equal(-Errno.ENOENT, fs.Walk(".wh.oci"));
        Assert.Equal(-Errno.ENOENT, fs.Walk("x/xattr"));
        Assert.Equal("kept", fs.ReadAll("x/kept"));
        Assert.Equal([".", "..", "x"], fs.List(""));
        Assert.Equal([".", "..", "kept"], fs.List("x"));
    }

    [Fact]
    public void OpaqueDirsStopTheMerge()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/below"), "1");
        TempLayers.Write(Path.Combine(t.Lower0, "e/below"), "1");
        TempLayers.Write(Path.Combine(t.Lower1, "d/above"), "2");
        TempLayers.Write(Path.Combine(t.Lower1, "e/above"), "2");
        TempLayers.SetXattr(Path.Combine(t.Lower1, "d"), "trusted.overlay.opaque", "y");
        TempLayers.Write(Path.Combine(t.Lower1, "e/.wh..wh..opq"), "");
        using var fs = t.Open();
        Assert.Equal(-Errno.ENOENT, fs.Walk("d/below"));
        Assert.Equal(-Errno.ENOENT, fs.Walk("e/below"));
        Assert.Equal([".", "..", "above"], fs.List("d"));
        Assert.Equal([".", "..", "above"], fs.List("e"));
    }

    [Fact]
    public void MergedListingHasNoDuplicatesAndUpperFirst()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/a"), "");
        TempLayers.Write(Path.Combine(t.Lower0, "d/b"), "");
        TempLayers.Write(Path.Combine(t.Lower1, "d/b"), "");
        TempLayers.Write(Path.Combine(t.Lower1, "d/c"), "");
        TempLayers.Write(Path.Combine(t.Upper, "d/c"), "");
        TempLayers.Write(Path.Combine(t.Upper, "d/u"), "");
        TempLayers.MakeWhiteout(Path.Combine(t.Upper, "d/a"));
        using var fs = t.Open();
        List<string> names = fs.List("d");
        Assert.Equal([".", ".."], names[..2]);
        Assert.Equal(["b", "c", "u"], names[2..].Order());
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void DirectChangesInLayersShowUp()
    {
        using var t = new TempLayers();
        Directory.CreateDirectory(Path.Combine(t.Lower0, "d"));
        using var fs = t.Open();
        Assert.Equal(-Errno.ENOENT, fs.Walk("foo"));
        Assert.Equal([".", ".."], fs.List("d"));
        TempLayers.Write(Path.Combine(t.Lower1, "foo"), "new");
        TempLayers.Write(Path.Combine(t.Lower0, "d/bar"), "new");
        Assert.Equal("new", fs.ReadAll("foo"));
        Assert.Equal([".", "..", "bar"], fs.List("d"));
        // The same name again, now hidden by a whiteout made directly in the upper dir.
        TempLayers.MakeWhiteout(Path.Combine(t.Upper, "foo"));
        Assert.Equal(-Errno.ENOENT, fs.Walk("foo"));
    }

    [Fact]
    public void ReadOnlyStackRefusesChanges()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "x");
        using var fs = t.Open(readOnly: true);
        Assert.True(fs.IsReadOnly);
        ulong f = fs.Node("f");
        Assert.Equal(-Errno.EROFS, fs.Open(Root, f, OpenFlags.O_RDWR, out _));
        Assert.Equal(-Errno.EROFS, fs.MkDir(Root, UnionFileSystem.RootId, B("d"), 0x1ED, out _, out _));
        Assert.Equal(-Errno.EROFS, fs.Unlink(Root, UnionFileSystem.RootId, B("f")));
        Assert.Equal(-Errno.EROFS, fs.Create(Root, UnionFileSystem.RootId, B("n"), OpenFlags.O_WRONLY, 0x1A4, out _, out _, out _));
        var change = new AttrChange { Flags = AttrChangeFlags.Mode, Mode = 0x1C0 };
        Assert.Equal(-Errno.EROFS, fs.SetAttr(Root, f, change, out _));
        Assert.Equal("x", fs.ReadAll("f"));
    }

    [Fact]
    public void TrustedXattrsAreListedToRootOnly()
    {
        using var t = new TempLayers();
        File.WriteAllText(Path.Combine(t.Lower0, "f"), "x");
        TempLayers.SetXattr(Path.Combine(t.Lower0, "f"), "trusted.mine", "1");
        TempLayers.SetXattr(Path.Combine(t.Lower0, "f"), "user.keep", "v");
        using var fs = t.Open();
        ulong f = fs.Node("f");
        var list = new byte[256];
        int n = fs.ListXattr(Root, f, list);
        Assert.Equal(["trusted.mine", "user.keep"], System.Text.Encoding.UTF8.GetString(list, 0, n).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // As ext4 and the kernel overlay list them: trusted.* only with CAP_SYS_ADMIN.
        n = fs.ListXattr(new Caller(1000, 1000, Environment.ProcessId), f, list);
        Assert.Equal("user.keep\0", System.Text.Encoding.UTF8.GetString(list, 0, n));
    }

    [Fact]
    public void PrivateXattrsAreHidden()
    {
        using var t = new TempLayers();
        Directory.CreateDirectory(Path.Combine(t.Lower0, "d"));
        TempLayers.SetXattr(Path.Combine(t.Lower0, "d"), "trusted.overlay.opaque", "y");
        TempLayers.SetXattr(Path.Combine(t.Lower0, "d"), "user.keep", "v");
        using var fs = t.Open();
        ulong d = fs.Node("d");
        Assert.Equal(-Errno.ENODATA, fs.GetXattr(d, B("trusted.overlay.opaque"), new byte[16]));
        var list = new byte[256];
        int n = fs.ListXattr(Root, d, list);
        Assert.Equal("user.keep\0", System.Text.Encoding.UTF8.GetString(list, 0, n));
        Assert.Equal(n, fs.ListXattr(Root, d, Span<byte>.Empty));
        Assert.Equal(-Errno.EPERM, fs.SetXattr(Root, d, B("trusted.overlay.opaque"), B("y"), 0));
        Assert.Equal(0, fs.SetXattr(Root, d, B("user.new"), B("1"), 0));
        Assert.Equal("1", TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "user.new"));
        Assert.Equal("v", TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "user.keep"));
        Assert.Null(TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "trusted.overlay.opaque"));
    }
}
