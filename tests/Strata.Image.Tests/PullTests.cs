using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

[Collection(RegistryCollection.Name)]
public sealed class PullTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly RegistryPusher _pusher;
    private readonly string _root = Directory.CreateTempSubdirectory("strata-store-").FullName;
    private readonly StoreLayout _layout;

    public PullTests(RegistryFixture registry)
    {
        _registry = registry;
        _pusher = new RegistryPusher(registry.BaseUri);
        _layout = new StoreLayout(_root);
    }

    public void Dispose()
    {
        _pusher.Dispose();
        TreeDeleter.Delete(_root);
    }

    private static string Arch => Platform.Host.Architecture;

    private static TestImage RichImage(LayerCompression compression, bool oci) => new(
        [
            TestLayer.From(SampleLayers.Base(), compression, oci),
            TestLayer.From(SampleLayers.Changes(), compression, oci),
            TestLayer.From(SampleLayers.Top(), compression, oci),
        ],
        oci,
        Arch);

    private PullResult Pull(string reference, PullOptions? options = null) =>
        new Puller(_layout).PullAsync(ImageReference.Parse(reference), options ?? new PullOptions()).GetAwaiter().GetResult();

    private string DiffDir(string chainId) => new LayerStore(_layout).DiffDir(new LayerStore(_layout).Get(Digest.Parse(chainId)));

    [Theory]
    [InlineData(LayerCompression.Gzip, true)]
    [InlineData(LayerCompression.Zstd, true)]
    [InlineData(LayerCompression.None, true)]
    [InlineData(LayerCompression.Gzip, false)]
    [InlineData(LayerCompression.None, false)]
    public void Pull_unpacks_every_layer_as_its_tar_says(LayerCompression compression, bool oci)
    {
        string repo = $"demo/rich-{compression}-{(oci ? "oci" : "docker")}".ToLowerInvariant();
        TestImage image = RichImage(compression, oci);
        image.Push(_pusher, repo, "1");

        PullResult result = Pull($"{_registry.Host}/{repo}:1");

        Assert.Equal(image.ConfigDigest.ToString(), result.Image.Id);
        Assert.Equal(image.ManifestDigest.ToString(), result.Image.ManifestDigest);
        Assert.Equal(3, result.LayersDownloaded);
        IReadOnlyList<Digest> chain = ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList());
        Assert.Equal(chain.Select(c => c.ToString()), result.Image.Layers);
        SampleLayers.ExpectBase(DiffDir(result.Image.Layers[0]));
        SampleLayers.ExpectChanges(DiffDir(result.Image.Layers[1]));
        SampleLayers.ExpectTop(DiffDir(result.Image.Layers[2]));
        AssertOverlay2Tree(result.Image);
        AssertOciLayout(image, $"{_registry.Host}/{repo}:1");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layout.TempDir));
    }

    [Fact]
    public void A_shared_layer_is_not_downloaded_again_and_is_shared_on_disk()
    {
        TestImage first = RichImage(LayerCompression.Gzip, oci: true);
        first.Push(_pusher, "demo/shared-a", "1");
        var second = new TestImage([first.Layers[0], TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Arch);
        second.Push(_pusher, "demo/shared-b", "1");

        PullResult a = Pull($"{_registry.Host}/demo/shared-a:1");
        PullResult b = Pull($"{_registry.Host}/demo/shared-b:1");
        PullResult again = Pull($"{_registry.Host}/demo/shared-a:1");

        Assert.Equal((1, 1), (b.LayersDownloaded, b.LayersPresent));
        Assert.Equal((0, 3), (again.LayersDownloaded, again.LayersPresent));
        Assert.Equal(a.Image.Layers[0], b.Image.Layers[0]);
        // Same diff on another parent is another layer.
        Assert.NotEqual(a.Image.Layers[2], b.Image.Layers[1]);
        Assert.Equal(2, new ImageStore(_layout).List().Count);
    }

    [Fact]
    public void A_multi_arch_index_resolves_to_the_platform()
    {
        var host = new TestImage([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Arch);
        string other = Arch == "arm64" ? "amd64" : "arm64";
        var foreign = new TestImage([TestLayer.From(SampleLayers.Base(), LayerCompression.Zstd, oci: true)], oci: true, other);
        host.Push(_pusher, "demo/multi", null);
        foreign.Push(_pusher, "demo/multi", null);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests =
            [
                new() { MediaType = foreign.ManifestMediaType, Digest = foreign.ManifestDigest.ToString(), Size = foreign.Manifest.Length, Platform = new() { Os = "linux", Architecture = other } },
                new() { MediaType = host.ManifestMediaType, Digest = host.ManifestDigest.ToString(), Size = host.Manifest.Length, Platform = new() { Os = "linux", Architecture = Arch } },
            ],
        };
        _pusher.PushManifest("demo/multi", "1", JsonFiles.Serialize(index, ImageJsonContext.Default.ImageIndex), MediaTypes.OciIndex);

        PullResult mine = Pull($"{_registry.Host}/demo/multi:1");
        Assert.Equal(host.ConfigDigest.ToString(), mine.Image.Id);
        SampleLayers.ExpectTop(DiffDir(mine.Image.Layers[0]));

        PullResult theirs = Pull($"{_registry.Host}/demo/multi:1", new PullOptions { Platform = Platform.Parse($"linux/{other}") });
        Assert.Equal(foreign.ConfigDigest.ToString(), theirs.Image.Id);
        SampleLayers.ExpectBase(DiffDir(theirs.Image.Layers[0]));

        var e = Assert.Throws<ImageException>(() => Pull($"{_registry.Host}/demo/multi:1", new PullOptions { Platform = Platform.Parse("linux/s390x") }));
        Assert.Contains("no manifest for platform linux/s390x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_docker_manifest_list_resolves_too_and_a_digest_reference_pulls_by_digest()
    {
        var host = new TestImage([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: false)], oci: false, Arch);
        Digest manifest = host.Push(_pusher, "demo/list", null);
        var list = new ImageIndex
        {
            MediaType = MediaTypes.DockerManifestList,
            Manifests = [new() { MediaType = host.ManifestMediaType, Digest = manifest.ToString(), Size = host.Manifest.Length, Platform = new() { Os = "linux", Architecture = Arch } }],
        };
        _pusher.PushManifest("demo/list", "1", JsonFiles.Serialize(list, ImageJsonContext.Default.ImageIndex), MediaTypes.DockerManifestList);

        Assert.Equal(host.ConfigDigest.ToString(), Pull($"{_registry.Host}/demo/list:1").Image.Id);
        Assert.Equal(host.ConfigDigest.ToString(), Pull($"{_registry.Host}/demo/list@{manifest}").Image.Id);
    }

    [Fact]
    public void A_tampered_blob_in_the_registry_aborts_the_pull_and_leaves_nothing()
    {
        // Registry blobs are shared by content: the tampered one must be this test's own.
        TestImage image = new([
            TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true),
            TestLayer.From(new TarBuilder().File("unique", Guid.NewGuid().ToString()).Build(), LayerCompression.Gzip, oci: true),
        ], oci: true, Arch);
        image.Push(_pusher, "demo/tampered", "1");
        string data = _registry.BlobDataPath(image.Layers[1].BlobDigest);
        byte[] bytes = File.ReadAllBytes(data);
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(data, bytes);

        var e = Assert.Throws<BlobVerificationException>(() => Pull($"{_registry.Host}/demo/tampered:1"));
        Assert.Contains(image.Layers[1].BlobDigest.ToString(), e.Message, StringComparison.Ordinal);
        AssertNothingHalfWritten();
        Assert.False(File.Exists(_layout.BlobPath(image.Layers[1].BlobDigest)));
    }

    [Fact]
    public void A_layer_whose_content_does_not_match_the_config_diff_id_aborts_the_pull()
    {
        TestLayer good = TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true);
        Digest wrongDiffId = Digest.Of("something else");
        var image = new TestImage([good], oci: true, Arch, diffIdsOverride: [wrongDiffId]);
        image.Push(_pusher, "demo/wrong-diffid", "1");

        var e = Assert.Throws<BlobVerificationException>(() => Pull($"{_registry.Host}/demo/wrong-diffid:1"));
        Assert.Contains(good.BlobDigest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(wrongDiffId.ToString(), e.Message, StringComparison.Ordinal);
        AssertNothingHalfWritten();
    }

    [Fact]
    public void A_manifest_whose_layer_digest_does_not_match_the_blob_aborts_the_pull()
    {
        TestLayer good = TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true);
        TestLayer other = TestLayer.From(SampleLayers.Changes(), LayerCompression.Gzip, oci: true);
        _pusher.PushBlob("demo/wrong-size", good.Blob);
        // The manifest names the right digest with the wrong size.
        var lying = new TestLayer(good.Blob.Concat(new byte[7]).ToArray(), good.MediaType, good.DiffId);
        var image = new TestImage([lying], oci: true, Arch);
        var manifest = JsonFiles.Parse(image.Manifest, ImageJsonContext.Default.ImageManifest, "test");
        manifest.Layers![0].Digest = good.BlobDigest.ToString();
        _pusher.PushBlob("demo/wrong-size", image.Config);
        _pusher.PushBlob("demo/wrong-size", other.Blob);
        _pusher.PushManifest("demo/wrong-size", "1", JsonFiles.Serialize(manifest, ImageJsonContext.Default.ImageManifest), MediaTypes.OciManifest);

        var e = Assert.Throws<BlobVerificationException>(() => Pull($"{_registry.Host}/demo/wrong-size:1"));
        Assert.Contains(good.BlobDigest.ToString(), e.Message, StringComparison.Ordinal);
        AssertNothingHalfWritten();
    }

    [Fact]
    public void Leftovers_of_an_interrupted_pull_are_cleared_and_a_busy_store_waits()
    {
        Directory.CreateDirectory(Path.Combine(_layout.TempDir, "layer-interrupted", "diff"));
        TestImage image = new([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Arch);
        image.Push(_pusher, "demo/leftovers", "1");
        Pull($"{_registry.Host}/demo/leftovers:1");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layout.TempDir));

        using (StoreLock.Acquire(_layout, TimeSpan.Zero))
            Assert.Throws<ImageException>(() => StoreLock.Acquire(_layout, TimeSpan.Zero));
    }

    [Fact]
    public void An_unknown_image_gives_a_clear_error()
    {
        var e = Assert.Throws<RegistryException>(() => Pull($"{_registry.Host}/demo/nothing-here:1"));
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
        Assert.Contains("demo/nothing-here", e.Message, StringComparison.Ordinal);
    }

    private void AssertNothingHalfWritten() => StoreAssert.NothingHalfWritten(_layout);

    private void AssertOverlay2Tree(ImageRecord image)
    {
        var layers = new LayerStore(_layout);
        string? parentLower = null;
        for (int i = 0; i < image.Layers.Count; i++)
        {
            LayerRecord layer = layers.Get(Digest.Parse(image.Layers[i]));
            string dir = layers.LayerDir(layer);
            Assert.True(Directory.Exists(Path.Combine(dir, "work")));
            Assert.True(Directory.Exists(Path.Combine(dir, "merged")));
            string link = File.ReadAllText(Path.Combine(dir, "link"));
            Assert.Equal(26, link.Length);
            Assert.Equal($"../{layer.CacheId}/diff", new FileInfo(Path.Combine(_layout.ShortLinksDir, link)).LinkTarget);
            string lowerFile = Path.Combine(dir, "lower");
            if (i == 0)
                Assert.False(File.Exists(lowerFile));
            else
                Assert.Equal(parentLower, File.ReadAllText(lowerFile));
            parentLower = i == 0 ? $"l/{link}" : $"l/{link}:{parentLower}";
        }
    }

    private void AssertOciLayout(TestImage image, string refName)
    {
        Assert.Contains("imageLayoutVersion", File.ReadAllText(_layout.OciLayoutFile), StringComparison.Ordinal);
        foreach (Digest blob in image.Layers.Select(l => l.BlobDigest).Append(image.ConfigDigest).Append(image.ManifestDigest))
            Assert.Equal(blob, Digest.Of(File.ReadAllBytes(_layout.BlobPath(blob))));
        ImageIndex index = new OciLayoutStore(_layout).ReadIndex();
        Descriptor entry = Assert.Single(index.Manifests, m => m.Annotations?[OciLayoutStore.RefNameAnnotation] == refName);
        Assert.Equal(image.ManifestDigest.ToString(), entry.Digest);
    }
}
