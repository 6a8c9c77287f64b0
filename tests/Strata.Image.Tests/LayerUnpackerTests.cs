using Strata.Image.Tests.Support;
using Strata.Image.Unpack;

namespace Strata.Image.Tests;

public sealed class LayerUnpackerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-unpack-").FullName;

    private string Layer => Path.Combine(_dir, "layer");

    private string Outside => Path.Combine(_dir, "outside");

    public LayerUnpackerTests()
    {
        Directory.CreateDirectory(Layer);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "victim"), "safe");
    }

    public void Dispose() => Strata.Image.Store.TreeDeleter.Delete(_dir);

    // Not seekable, as the decompressed stream of a pull is.
    private UnpackResult Unpack(byte[] tar) => LayerUnpacker.Unpack(new HashingReadStream(new MemoryStream(tar)), Layer);

    [Fact]
    public void A_base_layer_keeps_types_owners_modes_times_xattrs_links_and_names()
    {
        UnpackResult result = Unpack(SampleLayers.Base());
        SampleLayers.ExpectBase(Layer);
        Assert.Equal(17, result.Entries);
    }

    [Fact]
    public void Whiteouts_and_opaque_markers_become_the_overlay_format_whatever_the_order()
    {
        Unpack(SampleLayers.Changes());
        SampleLayers.ExpectChanges(Layer);
    }

    [Fact]
    public void A_later_entry_replaces_an_earlier_one_of_another_type_but_dirs_merge()
    {
        Unpack(new TarBuilder()
            .File("x", "file")
            .Dir("x/")
            .File("x/inner", "inner")
            .Symlink("x", "target")
            .Dir("d/", "700")
            .File("d/keep", "keep")
            .Dir("d/", "755")
            .File(".wh.w", "")
            .File("w", "back")
            .Build());
        Assert.Equal("target", new FileInfo(Path.Combine(Layer, "x")).LinkTarget);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(Layer, "d/keep")));
        Assert.Equal(Convert.ToUInt32("755", 8), Fs.Stat(Path.Combine(Layer, "d")).Mode & 0xFFFu);
        Assert.Equal("back", File.ReadAllText(Path.Combine(Layer, "w")));
    }

    [Fact]
    public void A_dir_replaced_by_a_symlink_after_its_subdirs_is_not_an_error()
    {
        Unpack(new TarBuilder().Dir("x/").Dir("x/y/").Symlink("x", "elsewhere").Build());
        Assert.Equal("elsewhere", new FileInfo(Path.Combine(Layer, "x")).LinkTarget);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/etc/escape")]
    public void Paths_leaving_the_layer_are_refused(string name)
    {
        var e = Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder().File(name, "x").Build()));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_symlinked_parent_is_never_followed()
    {
        var e = Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder()
            .Symlink("link", Outside)
            .File("link/victim", "owned")
            .Build()));
        Assert.Contains("symlink 'link'", e.Message, StringComparison.Ordinal);
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_whiteout_through_a_symlinked_parent_is_refused()
    {
        Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder()
            .Symlink("link", Outside)
            .File("link/.wh.victim", "")
            .Build()));
        AssertOutsideUntouched();
    }

    [Theory]
    [InlineData("../outside/victim")]
    [InlineData("/etc/passwd")]
    [InlineData("missing")]
    public void Hard_links_out_of_the_layer_are_refused(string target)
    {
        Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder().HardLink("h", target).Build()));
        Assert.False(File.Exists(Path.Combine(Layer, "h")));
        AssertOutsideUntouched();
    }

    [Fact]
    public void A_hard_link_through_a_symlinked_dir_is_refused()
    {
        Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder()
            .Symlink("out", Outside)
            .HardLink("h", "out/victim")
            .Build()));
        AssertOutsideUntouched();
    }

    [Fact]
    public void Names_over_name_max_are_refused()
    {
        var e = Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder().File("d/" + new string('x', 256), "x").Build()));
        Assert.Contains("NAME_MAX", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_overlay_private_xattrs_cannot_be_set_by_a_tar()
    {
        Assert.Throws<HostileLayerException>(() => Unpack(new TarBuilder()
            .File("f", "x", xattrs: new() { ["trusted.overlay.opaque"] = "y" })
            .Build()));
    }

    [Fact]
    public void A_binary_xattr_value_is_kept_byte_for_byte()
    {
        // A security.capability-like value: NUL, bytes that are not UTF-8, '=' inside the record.
        byte[] value = [0x01, 0x00, 0x00, 0x02, 0xFF, 0xFE, 0x80, 0x20, 0x3D, 0x00, 0xC3];
        Unpack(WithXattrBytes("ping", value));
        Assert.Equal(value, Fs.XattrBytes(Path.Combine(Layer, "ping"), "user.bin"));
    }

    [Fact]
    public void Each_entry_gets_its_own_xattrs_when_they_are_taken_from_the_raw_records()
    {
        // The raw values are matched to entries by following the stream: data between the headers, entries
        // without xattrs and a dir must not shift them onto a neighbour.
        Unpack(new TarBuilder()
            .File("big", new string('d', 5000), xattrs: new() { ["user.a"] = "first" })
            .File("plain", "p")
            .Dir("dir/")
            .File("dir/second", "s", xattrs: new() { ["user.b"] = "second" })
            .File("dir/last", "l", xattrs: new() { ["user.c"] = "third" })
            .Build());
        Assert.Equal("first", Fs.Xattr(Path.Combine(Layer, "big"), "user.a"));
        Assert.Null(Fs.Xattr(Path.Combine(Layer, "plain"), "user.a"));
        Assert.Null(Fs.Xattr(Path.Combine(Layer, "dir"), "user.a"));
        Assert.Equal("second", Fs.Xattr(Path.Combine(Layer, "dir/second"), "user.b"));
        Assert.Null(Fs.Xattr(Path.Combine(Layer, "dir/last"), "user.b"));
        Assert.Equal("third", Fs.Xattr(Path.Combine(Layer, "dir/last"), "user.c"));
    }

    [Fact]
    public void A_binary_xattr_value_with_a_newline_byte_is_refused_with_the_reason()
    {
        var e = Assert.ThrowsAny<ImageException>(() => Unpack(WithXattrBytes("ping", [0x01, 0x0A, 0x00])));
        Assert.Contains("xattr 'user.bin'", e.Message, StringComparison.Ordinal);
        Assert.Contains("newline", e.Message, StringComparison.Ordinal);
    }

    // A file with a user.bin xattr whose PAX value is patched to the given bytes (TarBuilder takes text).
    private static byte[] WithXattrBytes(string name, byte[] value)
    {
        byte[] tar = new TarBuilder().File(name, "x", xattrs: new() { ["user.bin"] = new string('Q', value.Length) }).Build();
        value.CopyTo(tar, tar.AsSpan().IndexOf(Enumerable.Repeat((byte)'Q', value.Length).ToArray()));
        return tar;
    }

    [Fact]
    public void A_file_larger_than_the_free_space_is_refused_before_writing()
    {
        // The header claims 1 PiB (base-256 size field) over 10 bytes of data: the claim alone must stop it.
        byte[] tar = WithClaimedSize(new TarBuilder().File("bomb", "0123456789").Build(), "bomb", 1L << 50);
        var e = Assert.Throws<HostileLayerException>(() => Unpack(tar));
        Assert.Contains("past the", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Layer, "bomb")));
    }

    /// <summary>Rewrites the ustar size field of a regular file entry (base-256) and its header checksum.</summary>
    private static byte[] WithClaimedSize(byte[] tar, string name, long size)
    {
        byte[] copy = (byte[])tar.Clone();
        byte[] prefix = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        for (int offset = 0; offset + 512 <= copy.Length; offset += 512)
        {
            if (!copy.AsSpan(offset, 100).StartsWith(prefix) || copy[offset + 156] != (byte)'0')
                continue;
            Span<byte> field = copy.AsSpan(offset + 124, 12);
            field.Clear();
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(field[4..], size);
            field[0] = 0x80;
            copy.AsSpan(offset + 148, 8).Fill((byte)' ');
            int sum = 0;
            foreach (byte b in copy.AsSpan(offset, 512))
                sum += b;
            System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(copy, offset + 148);
            return copy;
        }
        throw new InvalidOperationException($"no header for {name}");
    }

    [Fact]
    public void The_diff_id_covers_the_whole_uncompressed_stream()
    {
        byte[] tar = SampleLayers.Top();
        using var hashing = new HashingReadStream(new MemoryStream(tar));
        LayerUnpacker.Unpack(hashing, Layer);
        Assert.Equal(Digest.Of(tar), hashing.Finish());
    }

    [Fact]
    public void A_truncated_tar_is_an_error()
    {
        byte[] tar = new TarBuilder().File("f", new string('x', 5000)).Build();
        Assert.ThrowsAny<ImageException>(() => Unpack(tar[..1000]));
    }

    private void AssertOutsideUntouched()
    {
        Assert.Equal(["victim"], Fs.Names(Outside));
        Assert.Equal("safe", File.ReadAllText(Path.Combine(Outside, "victim")));
    }
}
