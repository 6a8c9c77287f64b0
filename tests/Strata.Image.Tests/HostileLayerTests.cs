using Strata.Image.Store;
using Strata.Image.Tests.Support;
using Strata.Image.Unpack;
using Strata.Testing;

namespace Strata.Image.Tests;

/// <summary>
/// The hostile tar corpus unpacked in-process: each case ends with an <see cref="ImageException"/> whose one-line
/// message names the problem, or (for the tricky valid ones) a defined tree; never another exception, and
/// nothing changes in the dirs around the layer.
/// </summary>
public sealed class HostileLayerTests : IDisposable
{
    private readonly TempDir _dir = new("strata-hostile-");

    private string Layer => _dir["sandbox/layer"];

    private string Outside => _dir["sandbox/outside"];

    public HostileLayerTests()
    {
        _dir.Make("sandbox/layer");
        _dir.Make("sandbox/outside");
        File.WriteAllText(Path.Combine(Outside, "victim"), "safe");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The bounds the CLI takes from the free space, small here so that a bomb is a quick test.</summary>
    public static readonly UnpackOptions TestOptions = new() { MaxFileBytes = 32 << 20, AllowDeviceNodes = false };

    [Theory]
    [MemberData(nameof(HostileTars.Cases), MemberType = typeof(HostileTars))]
    public void Each_case_is_refused_with_a_clear_error_or_unpacks_to_a_defined_tree(HostileTar hostile)
    {
        List<string> around = TreeSnapshot.Take(Outside);
        byte[] blob = hostile.Build(Outside);
        Exception? error = null;
        try
        {
            using var stream = new HashingReadStream(LayerDecompression.Open(new MemoryStream(blob), hostile.Compression));
            LayerUnpacker.Unpack(stream, Layer, TestOptions);
        }
        catch (Exception e)
        {
            error = e;
        }

        if (hostile.ErrorContains is { } expected)
        {
            Assert.NotNull(error);
            Assert.IsAssignableFrom<ImageException>(error);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
        else
        {
            Assert.Null(error);
            ExpectTree(hostile.Name);
        }
        Assert.Equal(around, TreeSnapshot.Take(Outside));
        Assert.Equal(["layer", "outside"], Fs.Names(_dir["sandbox"]));
    }

    private void ExpectTree(string name)
    {
        switch (name)
        {
            case "duplicate-file":
                Assert.Equal("two", File.ReadAllText(Path.Combine(Layer, "f")));
                break;
            case "file-then-dir":
                Assert.Equal("in", File.ReadAllText(Path.Combine(Layer, "x/in")));
                break;
            case "dir-then-file":
                Assert.Equal("file", File.ReadAllText(Path.Combine(Layer, "x")));
                break;
            case "empty-tar":
                Assert.Empty(Fs.Names(Layer));
                break;
            default:
                Assert.Fail($"no expected tree for {name}");
                break;
        }
    }

    [Fact]
    public void Device_nodes_unpack_when_allowed_and_a_whiteout_device_always_does()
    {
        byte[] tar = new RawTar().Header("dev/null"u8.ToArray(), '3').End();
        LayerUnpacker.Unpack(new MemoryStream(tar), Layer);
        Assert.Equal(Strata.Posix.FileType.S_IFCHR, Fs.Stat(Path.Combine(Layer, "dev/null")).Mode & Strata.Posix.FileType.S_IFMT);
        TreeDeleter.Delete(Path.Combine(Layer, "dev"));
        LayerUnpacker.Unpack(new MemoryStream(tar), Layer, TestOptions);
        Assert.True(Fs.IsWhiteout(Path.Combine(Layer, "dev/null")));
    }

    [Fact]
    public void The_budget_counts_every_entry_so_a_layer_that_fits_unpacks()
    {
        byte[] tar = new TarBuilder().File("a", new string('a', 1000)).File("b", new string('b', 1000)).Build();
        LayerUnpacker.Unpack(new MemoryStream(tar), Layer, new UnpackOptions { MaxFileBytes = 2000 });
        TreeDeleter.Delete(Layer);
        Directory.CreateDirectory(Layer);
        var e = Assert.Throws<HostileLayerException>(() => LayerUnpacker.Unpack(new MemoryStream(tar), Layer, new UnpackOptions { MaxFileBytes = 1999 }));
        Assert.Contains("'b'", e.Message, StringComparison.Ordinal);
        var entries = Assert.Throws<HostileLayerException>(() => LayerUnpacker.Unpack(new MemoryStream(tar), Layer, new UnpackOptions { MaxEntries = 1 }));
        Assert.Contains("more than 1 entries", entries.Message, StringComparison.Ordinal);
    }
}
