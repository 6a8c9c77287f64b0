using Strata.Posix;
using Strata.Union.Options;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

/// <summary>
/// redirect_dir: renames of lower and merged dirs with redirect_dir=on (the records the kernel writes), EXDEV
/// without it, and how each mode reads redirects written by the kernel.
/// </summary>
public sealed class RedirectTests
{
    private static readonly OverlayFeatures On = new() { RedirectDir = RedirectDirMode.On };
    private static readonly OverlayFeatures NoFollow = new() { RedirectDir = RedirectDirMode.NoFollow };

    private static int Rename(UnionFileSystem fs, string from, string to)
    {
        var (fromParent, fromName) = fs.Split(from);
        var (toParent, toName) = fs.Split(to);
        return fs.Rename(Root, fromParent, fromName, toParent, toName, 0);
    }

    private static TempLayers Layers()
    {
        var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "a/f"), "f");
        TempLayers.Write(Path.Combine(t.Lower1, "a/g"), "g");
        TempLayers.Write(Path.Combine(t.Lower0, "p/q/h"), "h");
        Directory.CreateDirectory(Path.Combine(t.Lower0, "x"));
        return t;
    }

    [Fact]
    public void WithoutRedirectDirALowerOrMergedDirDoesNotMove()
    {
        using TempLayers t = Layers();
        using var fs = t.Open();
        Assert.Equal(-Errno.EXDEV, Rename(fs, "a", "b"));
        Assert.Equal(-Errno.EXDEV, Rename(fs, "p/q", "x/q"));
        Assert.Equal(0, fs.MkDir(Root, UnionFileSystem.RootId, B("new"), 0x1ED, out _, out _));
        Assert.Equal(0, Rename(fs, "new", "x/new"));
    }

    [Fact]
    public void RenameInTheSameDirRecordsTheOldName()
    {
        using TempLayers t = Layers();
        ulong ino;
        using (var fs = t.Open(features: On))
        {
            ino = fs.Ino("a");
            Assert.Equal(0, Rename(fs, "a", "b"));
            Assert.Equal(["f", "g"], fs.List("b").Order(StringComparer.Ordinal).Skip(2));
            Assert.Equal(ino, fs.Ino("b"));
            Assert.True(fs.Walk("a") < 0);
        }
        Assert.Equal("a", TempLayers.GetXattr(Path.Combine(t.Upper, "b"), "trusted.overlay.redirect"));
        Assert.True(TempLayers.LStat(Path.Combine(t.Upper, "a")).IsWhiteoutDevice);
        // Renamed back and forth within the dir, the first redirect stays (as the kernel keeps it).
        using (var fs = t.Open(features: On))
        {
            Assert.Equal(ino, fs.Ino("b"));
            Assert.Equal(0, Rename(fs, "b", "c"));
            Assert.Equal(0, Rename(fs, "c", "a"));
            Assert.Equal(ino, fs.Ino("a"));
            Assert.Equal(["f", "g"], fs.List("a").Order(StringComparer.Ordinal).Skip(2));
        }
        Assert.Equal("a", TempLayers.GetXattr(Path.Combine(t.Upper, "a"), "trusted.overlay.redirect"));
    }

    [Fact]
    public void RenameToAnotherDirRecordsThePathFromTheRoot()
    {
        using TempLayers t = Layers();
        using (var fs = t.Open(features: On))
        {
            ulong ino = fs.Ino("p/q");
            Assert.Equal(0, Rename(fs, "p/q", "p/q2"));
            Assert.Equal(0, Rename(fs, "p/q2", "x/q3"));
            Assert.Equal(0, fs.MkDir(Root, UnionFileSystem.RootId, B("n"), 0x1ED, out _, out _));
            Assert.Equal(0, Rename(fs, "x/q3", "n/q4"));
            Assert.Equal(ino, fs.Ino("n/q4"));
            Assert.Equal(["h"], fs.List("n/q4").Skip(2));
            // A renamed ancestor counts by its redirect.
            Assert.Equal(0, Rename(fs, "a", "b"));
            Assert.Equal(0, fs.MkDir(Root, fs.Node("b"), B("sub"), 0x1ED, out _, out _));
            Assert.Equal(0, Rename(fs, "n", "b/n"));
        }
        Assert.Equal("/p/q", TempLayers.GetXattr(Path.Combine(t.Upper, "b/n/q4"), "trusted.overlay.redirect"));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "b/n"), "trusted.overlay.impure"));
        Assert.True(TempLayers.LStat(Path.Combine(t.Upper, "p/q")).IsWhiteoutDevice);
        // A new dir in a merged dir is opaque when offline changes are not allowed (redirect_dir=on).
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "b/sub"), "trusted.overlay.opaque"));
        using var again = t.Open();
        Assert.Equal(["h"], again.List("b/n/q4").Skip(2));
    }

    [Fact]
    public void RedirectsAreReadInEachMode()
    {
        using TempLayers t = Layers();
        // What the kernel leaves after "mv a b" and "mv p/q x/q" with redirect_dir=on.
        Directory.CreateDirectory(Path.Combine(t.Upper, "b"));
        TempLayers.SetXattr(Path.Combine(t.Upper, "b"), "trusted.overlay.redirect", "a");
        TempLayers.MakeWhiteout(Path.Combine(t.Upper, "a"));
        Directory.CreateDirectory(Path.Combine(t.Upper, "x/q"));
        TempLayers.SetXattr(Path.Combine(t.Upper, "x/q"), "trusted.overlay.redirect", "/p/q");
        TempLayers.MakeWhiteout(Path.Combine(t.Upper, "p/q"));
        using (var fs = t.Open())
        {
            Assert.Equal(["f", "g"], fs.List("b").Order(StringComparer.Ordinal).Skip(2));
            Assert.Equal(["h"], fs.List("x/q").Skip(2));
            Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower1, "a")).Inode, fs.Ino("b"));
        }
        using (var fs = t.Open(features: NoFollow))
        {
            Assert.Equal(-Errno.EPERM, (int)fs.Walk("b"));
            Assert.Equal(-Errno.EPERM, (int)fs.Walk("x/q"));
        }
    }

    [Theory]
    [InlineData("a/b", -Errno.EINVAL)]
    [InlineData("", -Errno.EINVAL)]
    [InlineData("//a", -Errno.EINVAL)]
    [InlineData("/a/", -Errno.EINVAL)]
    [InlineData("..", -Errno.EACCES)]
    [InlineData("/a/nothing", 0)]
    public void AMalformedRedirectFailsLookupAsInTheKernel(string redirect, int expected)
    {
        using TempLayers t = Layers();
        Directory.CreateDirectory(Path.Combine(t.Upper, "r"));
        TempLayers.SetXattrBytes(Path.Combine(t.Upper, "r"), "trusted.overlay.redirect", B(redirect));
        using var fs = t.Open();
        long rc = fs.Walk("r");
        if (expected < 0)
            Assert.Equal(expected, rc);
        else
            Assert.True(rc > 0);
    }

    [Fact]
    public void ARedirectInALowerLayerIsFollowedToTheLayersBelow()
    {
        using TempLayers t = Layers();
        // l1 (the top lower) was the upper of an overlay where l0's "a" was renamed to "b".
        Directory.CreateDirectory(Path.Combine(t.Lower1, "b"));
        TempLayers.Write(Path.Combine(t.Lower1, "b/new"), "n");
        TempLayers.SetXattr(Path.Combine(t.Lower1, "b"), "trusted.overlay.redirect", "a");
        using var fs = t.Open();
        Assert.Equal(["f", "new"], fs.List("b").Order(StringComparer.Ordinal).Skip(2));
        Assert.Equal(TempLayers.LStat(Path.Combine(t.Lower1, "b")).Inode, fs.Ino("b"));
    }
}
