using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>The strata command itself (run as a process): pull, images, inspect, --root and $STRATA_ROOT, errors.</summary>
[Collection(RegistryCollection.Name)]
public sealed class CliTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly string _root = Directory.CreateTempSubdirectory("strata-cli-store-").FullName;

    public CliTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    public void Dispose() => TreeDeleter.Delete(_root);

    private static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string>? env, params string[] args) => StrataCli.Run(env, args);

    private static (int Code, string Out, string Err) Run(params string[] args) => StrataCli.Run(args);

    [Fact]
    public void Pull_then_images_and_inspect_show_the_image_and_its_layers()
    {
        TestImage image = new([
            TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true),
            TestLayer.From(SampleLayers.Changes(), LayerCompression.Zstd, oci: true),
        ], oci: true, Platform.Host.Architecture);
        using (var pusher = new RegistryPusher(_registry.BaseUri))
            image.Push(pusher, "demo/busybox", "1");
        string reference = $"{_registry.Host}/demo/busybox:1";

        var pull = Run("pull", "--root", _root, reference);
        Assert.True(pull.Code == 0, pull.Err);
        Assert.Contains(image.ConfigDigest.ToString(), pull.Out, StringComparison.Ordinal);

        var again = Run(new Dictionary<string, string> { ["STRATA_ROOT"] = _root }, "pull", "-q", reference);
        Assert.Equal((0, image.ConfigDigest + "\n"), (again.Code, again.Out));

        var images = Run("images", $"--root={_root}");
        Assert.Equal(0, images.Code);
        string[] lines = images.Out.TrimEnd().Split('\n');
        Assert.StartsWith("REPOSITORY", lines[0], StringComparison.Ordinal);
        string row = Assert.Single(lines[1..]);
        Assert.Contains($"{_registry.Host}/demo/busybox", row, StringComparison.Ordinal);
        Assert.Contains(image.ConfigDigest.Short, row, StringComparison.Ordinal);
        Assert.Contains("2024-05-06 07:08:09 UTC", row, StringComparison.Ordinal);
        Assert.EndsWith(" 2", row, StringComparison.Ordinal);

        var inspect = Run("inspect", "--root", _root, reference);
        Assert.True(inspect.Code == 0, inspect.Err);
        var byId = Run("inspect", "--root", _root, image.ConfigDigest.Short);
        Assert.Equal(inspect.Out, byId.Out);
        var layers = new LayerStore(new StoreLayout(_root));
        foreach ((TestLayer layer, Digest chainId) in image.Layers.Zip(ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList())))
        {
            Assert.Contains(layer.BlobDigest.ToString(), inspect.Out, StringComparison.Ordinal);
            Assert.Contains(layer.DiffId.ToString(), inspect.Out, StringComparison.Ordinal);
            Assert.Contains(chainId.ToString(), inspect.Out, StringComparison.Ordinal);
            Assert.Contains(layers.DiffDir(layers.Get(chainId)), inspect.Out, StringComparison.Ordinal);
        }
        Assert.Contains("created by: step 1", inspect.Out, StringComparison.Ordinal);
        Assert.Contains(image.ManifestDigest.ToString(), inspect.Out, StringComparison.Ordinal);

        var manifest = Run("--root", _root, "inspect", "--manifest", reference);
        Assert.True(manifest.Code == 0, manifest.Err);
        Assert.Equal(image.Manifest, System.Text.Encoding.UTF8.GetBytes(manifest.Out));
        var config = Run($"--root={_root}", "inspect", "--config", reference);
        Assert.Equal(image.Config, System.Text.Encoding.UTF8.GetBytes(config.Out));
    }

    [Fact]
    public void Bad_input_gives_one_line_and_a_non_zero_exit()
    {
        var badRef = Run("pull", "--root", _root, "Not/Valid");
        Assert.Equal(1, badRef.Code);
        Assert.Single(badRef.Err.TrimEnd().Split('\n'));
        Assert.StartsWith("strata: invalid image reference", badRef.Err, StringComparison.Ordinal);

        var missing = Run("inspect", "--root", _root, "nothing:1");
        Assert.Equal(1, missing.Code);
        Assert.Contains("no such image", missing.Err, StringComparison.Ordinal);

        var usage = Run("pull", "--root", _root);
        Assert.Equal(2, usage.Code);
        var flag = Run("images", "--root", _root, "--bogus");
        Assert.Equal(2, flag.Code);

        var platform = Run("pull", "--root", _root, "--platform", "bogus", "x");
        Assert.Equal(1, platform.Code);
        Assert.StartsWith("strata: invalid platform 'bogus'", platform.Err, StringComparison.Ordinal);

        var unknown = Run("pull", "--plain-http", "--root", _root, $"{_registry.Host}/demo/none:1");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void The_store_is_an_oci_layout_that_skopeo_and_umoci_read()
    {
        TestImage image = new([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Platform.Host.Architecture);
        using (var pusher = new RegistryPusher(_registry.BaseUri))
            image.Push(pusher, "demo/layout", "1");
        string reference = $"{_registry.Host}/demo/layout:1";
        Assert.Equal(0, Run("pull", "-q", "--root", _root, reference).Code);

        var skopeo = Tool("skopeo", "inspect", "--raw", $"oci:{_root}:{reference}");
        Assert.True(skopeo.Code == 0, skopeo.Err);
        Assert.Contains(image.ConfigDigest.ToString(), skopeo.Out, StringComparison.Ordinal);
        var umoci = Tool("umoci", "ls", "--layout", _root);
        Assert.True(umoci.Code == 0, umoci.Err);
        Assert.Contains(reference, umoci.Out, StringComparison.Ordinal);
    }

    private static (int Code, string Out, string Err) Tool(string name, params string[] args) => StrataCli.Tool(name, args);
}
