namespace Strata.Image.Tests.Support;

/// <summary>
/// The layers of the rich test image and what each must unpack to: file and dir whiteouts, an opaque dir
/// whose marker comes after a sibling, hard links, a symlink, xattrs, a FIFO, a name of NAME_MAX (255) bytes
/// and a UTF-8 name, owners and modes, and type changes across layers (a symlink and a dir replaced by files,
/// a file replaced by a dir); and the tree the whole image shows.
/// </summary>
public static class SampleLayers
{
    public static readonly string LongName = "long/" + new string('n', 255);
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
        .File(Utf8Name, "utf", xattrs: new() { ["user.lang"] = "de-ja" })
        .Dir("old/dir/")
        .File("old/dir/file", "old")
        .Dir("opq/")
        .File("opq/keep-lower", "lower")
        .File("gone.txt", "gone")
        .File("swap/file-then-dir", "f2d")
        .Dir("swap/dir-then-file/")
        .File("swap/dir-then-file/inner", "inner")
        .Build();

    public static byte[] Changes() => new TarBuilder()
        .File("./.wh.gone.txt", "")
        .File("old/.wh.dir", "")
        .File("opq/new", "new")
        .File("opq/.wh..wh..opq", "")
        .File("etc/passwd", "root:x:0:0:changed\n", "600")
        .File("bin/sym", "now a file")
        .Dir("swap/file-then-dir/")
        .File("swap/file-then-dir/child", "child")
        .File("swap/dir-then-file", "d2f")
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
        Assert.Equal("de-ja", Fs.Xattr(Path.Combine(diff, Utf8Name), "user.lang"));
        Assert.Equal("old", File.ReadAllText(Path.Combine(diff, "old/dir/file")));
        Assert.True(File.Exists(Path.Combine(diff, "gone.txt")));
        Assert.Null(Fs.Xattr(Path.Combine(diff, "opq"), "trusted.overlay.opaque"));
        Assert.Equal("f2d", File.ReadAllText(Path.Combine(diff, "swap/file-then-dir")));
        Assert.Equal("inner", File.ReadAllText(Path.Combine(diff, "swap/dir-then-file/inner")));
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
        Assert.Equal("child", File.ReadAllText(Path.Combine(diff, "swap/file-then-dir/child")));
        Assert.Equal("d2f", File.ReadAllText(Path.Combine(diff, "swap/dir-then-file")));
        Assert.Equal(["bin", "etc", "gone.txt", "old", "opq", "swap"], Fs.Names(diff));
        Assert.False(Fs.AnyOciMarker(diff));
    }

    public static void ExpectTop(string diff)
    {
        Assert.Equal(["bin"], Fs.Names(diff));
        Assert.Equal("extra", File.ReadAllText(Path.Combine(diff, "bin/extra")));
    }

    /// <summary>What the image of Base, Changes and Top shows, in the form of <see cref="Fs.Listing"/>.</summary>
    public static readonly string[] ExpectedRoot =
    [
        "bin dir 750",
        "bin/extra file 644 extra",
        "bin/sym file 644 now a file",
        "bin/tool file 4755 tool v1",
        "bin/tool-link file 4755 tool v1",
        "etc dir 755",
        "etc/passwd file 600 root:x:0:0:changed\\n",
        "long dir 755",
        $"{LongName} file 644 long",
        "old dir 755",
        "opq dir 755",
        "opq/new file 644 new",
        "run dir 755",
        "run/fifo fifo 640",
        "swap dir 755",
        "swap/dir-then-file file 644 d2f",
        "swap/file-then-dir dir 755",
        "swap/file-then-dir/child file 644 child",
        "utf dir 755",
        $"{Utf8Name} file 644 utf",
    ];
}
