namespace Strata.Image.Tests.Support;

/// <summary>
/// The layers of the rich test image and what each must unpack to: file and dir whiteouts, an opaque dir
/// whose marker comes after a sibling, hard links, a symlink, xattrs, a FIFO, a long and a UTF-8 name,
/// owners and modes, and a symlink replaced by a file.
/// </summary>
public static class SampleLayers
{
    public static readonly string LongName = "long/" + new string('n', 200);
    public const string Utf8Name = "utf/grüße-日本.txt";

    public static byte[] Base() => new TarBuilder()
        .Dir("etc/")
        .File("etc/passwd", "root:x:0:0\n", xattrs: new() { ["user.test"] = "hello" })
        .Dir("bin/", "750")
        .File("bin/tool", "tool v1", "4755", uid: 1000, gid: 1001)
        .HardLink("bin/tool-link", "bin/tool")
        .Symlink("bin/sym", "tool")
        .Fifo("run/fifo")
        .File(LongName, "long")
        .File(Utf8Name, "utf")
        .Dir("old/dir/")
        .File("old/dir/file", "old")
        .Dir("opq/")
        .File("opq/keep-lower", "lower")
        .File("gone.txt", "gone")
        .Build();

    public static byte[] Changes() => new TarBuilder()
        .File("./.wh.gone.txt", "")
        .File("old/.wh.dir", "")
        .File("opq/new", "new")
        .File("opq/.wh..wh..opq", "")
        .File("etc/passwd", "root:x:0:0:changed\n", "600")
        .File("bin/sym", "now a file")
        .Build();

    public static byte[] Top() => new TarBuilder()
        .Dir("bin/", "750")
        .File("bin/extra", "extra")
        .Build();

    public static void ExpectBase(string diff)
    {
        Assert.Equal("root:x:0:0\n", File.ReadAllText(Path.Combine(diff, "etc/passwd")));
        Assert.Equal("hello", Fs.Xattr(Path.Combine(diff, "etc/passwd"), "user.test"));
        var tool = Fs.Stat(Path.Combine(diff, "bin/tool"));
        Assert.Equal(Convert.ToUInt32("4755", 8), tool.Mode & 0xFFFu);
        Assert.Equal(1000u, tool.Uid);
        Assert.Equal(1001u, tool.Gid);
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds(), tool.ModifyTime.Seconds);
        Assert.Equal(tool.Inode, Fs.Stat(Path.Combine(diff, "bin/tool-link")).Inode);
        Assert.Equal(2u, tool.LinkCount);
        Assert.Equal(Convert.ToUInt32("750", 8), Fs.Stat(Path.Combine(diff, "bin")).Mode & 0xFFFu);
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds(), Fs.Stat(Path.Combine(diff, "bin")).ModifyTime.Seconds);
        Assert.Equal("tool", new FileInfo(Path.Combine(diff, "bin/sym")).LinkTarget);
        Assert.Equal(Strata.Posix.FileType.S_IFIFO, Fs.Stat(Path.Combine(diff, "run/fifo")).Mode & Strata.Posix.FileType.S_IFMT);
        Assert.Equal("long", File.ReadAllText(Path.Combine(diff, LongName)));
        Assert.Equal("utf", File.ReadAllText(Path.Combine(diff, Utf8Name)));
        Assert.Equal("old", File.ReadAllText(Path.Combine(diff, "old/dir/file")));
        Assert.True(File.Exists(Path.Combine(diff, "gone.txt")));
        Assert.Null(Fs.Xattr(Path.Combine(diff, "opq"), "trusted.overlay.opaque"));
    }

    public static void ExpectChanges(string diff)
    {
        Assert.True(Fs.IsWhiteout(Path.Combine(diff, "gone.txt")));
        Assert.True(Fs.IsWhiteout(Path.Combine(diff, "old/dir")));
        Assert.Equal("y", Fs.Xattr(Path.Combine(diff, "opq"), "trusted.overlay.opaque"));
        Assert.Equal(["new"], Fs.Names(Path.Combine(diff, "opq")));
        Assert.Equal("root:x:0:0:changed\n", File.ReadAllText(Path.Combine(diff, "etc/passwd")));
        Assert.Equal(Convert.ToUInt32("600", 8), Fs.Stat(Path.Combine(diff, "etc/passwd")).Mode & 0xFFFu);
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(diff, "bin/sym")));
        Assert.Equal(["bin", "etc", "gone.txt", "old", "opq"], Fs.Names(diff));
        Assert.False(Fs.AnyOciMarker(diff));
    }

    public static void ExpectTop(string diff)
    {
        Assert.Equal(["bin"], Fs.Names(diff));
        Assert.Equal("extra", File.ReadAllText(Path.Combine(diff, "bin/extra")));
    }
}
