using System.IO.Compression;
using System.Text;

namespace Strata.Image.Tests.Support;

/// <summary>One malformed or malicious layer tar: how it is made, and the words its error must contain (null: it must unpack).</summary>
public sealed record HostileTar(string Name, Func<string, byte[]> Build, string? ErrorContains, LayerCompression Compression = LayerCompression.None)
{
    public override string ToString() => Name;
}

/// <summary>
/// The corpus of hostile layer tars, built in code (no committed blobs). Build gets the absolute path of a
/// dir outside the layer (where an escape would land), so that an absolute path or a symlink aimed at it
/// would be seen by the check of the tree around the store.
/// </summary>
public static class HostileTars
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    public static readonly IReadOnlyList<HostileTar> All =
    [
        new("dotdot", _ => new RawTar().File("../victim", "owned").End(), "'..'"),
        new("dotdot-deep", _ => new RawTar().File("a/b/../../../victim", "owned").End(), "'..'"),
        new("absolute", outside => new RawTar().File(outside + "/victim", "owned").End(), "absolute path"),
        new("absolute-pax-path", outside => new RawTar().Pax(("path", U(outside + "/victim"))).File("innocent", "owned").End(), "absolute path"),
        new("symlink-then-file", outside => new TarBuilder().Symlink("link", outside).File("link/victim", "owned").Build(), "symlink 'link'"),
        new("symlink-relative-then-file", _ => new TarBuilder().Symlink("link", "../..").File("link/victim", "owned").Build(), "symlink 'link'"),
        new("symlink-then-dir", outside => new TarBuilder().Symlink("link", outside).Dir("link/sub/").Build(), "symlink 'link'"),
        new("dir-replaced-by-symlink-then-file", outside => new TarBuilder().Dir("d/").Symlink("d", outside).File("d/victim", "owned").Build(), "symlink 'd'"),
        new("symlink-then-whiteout", outside => new TarBuilder().Symlink("link", outside).File("link/.wh.victim", "").Build(), "symlink 'link'"),
        new("symlink-then-opaque", outside => new TarBuilder().Symlink("link", outside).File("link/.wh..wh..opq", "").Build(), "symlink 'link'"),
        new("hardlink-outside", _ => new TarBuilder().HardLink("h", "../outside/victim").Build(), "'..'"),
        new("hardlink-absolute", outside => new TarBuilder().HardLink("h", outside + "/victim").Build(), "absolute path"),
        new("hardlink-through-symlink", outside => new TarBuilder().Symlink("out", outside).HardLink("h", "out/victim").Build(), "symlink 'out'"),
        new("hardlink-missing", _ => new TarBuilder().HardLink("h", "nothing").Build(), "not in the layer"),
        new("hardlink-to-dir", _ => new TarBuilder().Dir("d/").HardLink("h", "d").Build(), "hard link to the dir"),
        new("hardlink-to-root", _ => new TarBuilder().HardLink("h", ".").Build(), "layer root"),
        new("pax-huge", _ => new RawTar().Pax(("comment", new byte[8 << 20])).File("f", "x").End(), "PAX record block"),
        new("pax-huge-claimed", _ => new RawTar().Header(RawTar.Ascii("PaxHeaders/f"), 'x', 1L << 32).Data(new byte[512]).End(), "PAX record block"),
        new("gnu-longname-huge", _ => new RawTar().GnuLongName(Enumerable.Repeat((byte)'a', 4 << 20).ToArray()).File("f", "x").End(), "GNU long name"),
        new("gnu-longname-claimed-2g", _ => new RawTar().Header(RawTar.Ascii("././@LongLink"), 'L', (1L << 31) - 1).WithoutEnd(), "GNU long name"),
        new("gzip-bomb", _ => GzipBomb(256 << 20), "past the", LayerCompression.Gzip),
        new("zstd-bomb", _ => ZstdBomb(256 << 20), "past the", LayerCompression.Zstd),
        new("zstd-window-bomb", _ => [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xA8, 0x01, 0x00, 0x00], "zstd", LayerCompression.Zstd),
        new("gzip-garbage", _ => [0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9], "corrupt", LayerCompression.Gzip),
        new("zeros-forever", _ => Gzip(new byte[64 << 20]), "follow the end marker", LayerCompression.Gzip),
        new("claimed-petabyte", _ => new RawTar().Header(RawTar.Ascii("bomb"), '0', 0, rawSize: Base256(1L << 50)).Data(new byte[512]).End(), "past the"),
        new("many-files-over-budget", _ => Gzip(ManySmallFiles(40, 1 << 20)), "past the", LayerCompression.Gzip),
        new("invalid-utf8-name", _ => new RawTar().File([(byte)'b', (byte)'a', 0xFF, 0xFE, (byte)'d'], U("x")).End(), "not valid UTF-8"),
        new("invalid-utf8-pax-path", _ => new RawTar().Pax(("path", [0xC3, 0x28])).File("f", "x").End(), "not valid UTF-8"),
        new("invalid-utf8-symlink", _ => new RawTar().Header(U("s"), '2', linkName: [0xE2, 0x82]).End(), "not valid UTF-8"),
        new("nul-in-pax-path", _ => new RawTar().Pax(("path", U("a\0b"))).File("f", "x").End(), "NUL byte"),
        new("nul-in-pax-linkpath", _ => new RawTar().File("t", "x").Pax(("linkpath", U("t\0x"))).Header(U("h"), '1', linkName: U("t")).End(), "NUL byte"),
        new("negative-size-base256", _ => new RawTar().Header(U("f"), '0', rawSize: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0]).End(), "corrupt"),
        new("overflowing-size-base256", _ => new RawTar().Header(U("f"), '0', rawSize: [0x80, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).End(), "corrupt"),
        new("garbage-size-octal", _ => new RawTar().Header(U("f"), '0', rawSize: RawTar.Ascii("99999999999\0")).End(), "corrupt"),
        new("negative-pax-size", _ => new RawTar().Pax(("size", U("-5"))).File("f", "x").End(), "corrupt"),
        new("overflowing-pax-size", _ => new RawTar().Pax(("size", U("99999999999999999999999"))).File("f", "x").End(), "corrupt"),
        new("bad-checksum", _ => new RawTar().Header(U("f"), '0', 1, badChecksum: true).Data("x"u8).End(), "corrupt"),
        new("truncated-in-data", _ => new RawTar().File("f", new string('x', 5000)).WithoutEnd()[..1500], "ends in the middle"),
        new("truncated-in-header", _ => new RawTar().File("f", "x").File("g", "y").WithoutEnd()[..1200], "ends in the middle"),
        new("truncated-gzip", _ => Gzip(new TarBuilder().File("f", new string('x', 100_000)).Build())[..200], "ends in the middle", LayerCompression.Gzip),
        new("device-node-refused", _ => new RawTar().Header(U("dev/sda"), '4').End(), "device nodes are not allowed"),
        new("name-over-name-max", _ => new TarBuilder().File("d/" + new string('x', 256), "x").Build(), "NAME_MAX"),
        new("path-over-path-max", _ => new TarBuilder().File(string.Concat(Enumerable.Repeat("abcdefgh/", 460)) + "f", "x").Build(), "PATH_MAX"),
        new("symlink-target-over-path-max", _ => new TarBuilder().Symlink("s", new string('t', 5000)).Build(), "PATH_MAX"),
        new("overlay-private-xattr", _ => new TarBuilder().File("f", "x", xattrs: new() { ["trusted.overlay.redirect"] = "/etc" }).Build(), "private xattr"),
        new("whiteout-of-dotdot", _ => new RawTar().File("d/.wh...", "").End(), "whiteout of an invalid name"),
        new("unsupported-type", _ => new RawTar().Header(U("v"), 'V').End(), "unsupported"),
        new("not-a-tar", _ => U(new string('z', 2048)), "corrupt"),
        // Valid but tricky: each must unpack to a defined tree (checked by the test).
        new("duplicate-file", _ => new TarBuilder().File("f", "one").File("f", "two").Build(), null),
        new("file-then-dir", _ => new TarBuilder().File("x", "file").Dir("x/").File("x/in", "in").Build(), null),
        new("dir-then-file", _ => new TarBuilder().Dir("x/").File("x/in", "in").File("x", "file").Build(), null),
        new("empty-tar", _ => new byte[1024], null),
        // System.Formats.Tar (unlike Go's archive/tar) wants the end marker: a tar cut at a header boundary is refused.
        new("no-end-marker", _ => new RawTar().File("f", "x").WithoutEnd(), "ends in the middle"),
    ];

    public static IEnumerable<object[]> Cases() => All.Select(c => new object[] { c });

    private static byte[] Base256(long value)
    {
        byte[] field = new byte[12];
        field[0] = 0x80;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(field.AsSpan(4), value);
        return field;
    }

    private static byte[] ManySmallFiles(int count, int size)
    {
        var tar = new TarBuilder();
        for (int i = 0; i < count; i++)
            tar.File($"f{i}", new string('a', size));
        return tar.Build();
    }

    /// <summary>A tar that claims and really holds <paramref name="size"/> bytes of zeros, gzip-compressed (about 1000:1).</summary>
    private static byte[] GzipBomb(long size)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            WriteZeroFile(gzip, size);
        return output.ToArray();
    }

    private static byte[] ZstdBomb(long size)
    {
        using var output = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(output, 19, leaveOpen: true))
            WriteZeroFile(zstd, size);
        return output.ToArray();
    }

    private static void WriteZeroFile(Stream stream, long size)
    {
        stream.Write(new RawTar().Header(RawTar.Ascii("zeros"), '0', size).WithoutEnd());
        byte[] zeros = new byte[1 << 20];
        for (long left = size + 1024; left > 0; left -= zeros.Length)
            stream.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }
}
