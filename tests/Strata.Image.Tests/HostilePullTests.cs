using System.Text;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>
/// The hostile corpus through `strata pull` from a registry on 127.0.0.1: every hostile layer tar (pushed as a
/// layer whose diff id matches, so that only the unpacker can stop it) and every malformed manifest, index and
/// config (served by the fault proxy, as the registry would not store them) must end with exit 1 and one line
/// on stderr naming the problem and the blob, nothing changed around the store, the store consistent, and
/// `strata images` as it was. The store is on a small tmpfs, so the bomb bounds come from its free space.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class HostilePullTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly RegistryPusher _pusher;
    private readonly FaultProxy _proxy;
    private readonly HostileStore _store = new();

    public HostilePullTests(RegistryFixture registry)
    {
        _registry = registry;
        _pusher = new RegistryPusher(registry.BaseUri);
        _proxy = new FaultProxy(registry.BaseUri);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _pusher.Dispose();
        _store.Dispose();
    }

    private static string Arch => Platform.Host.Architecture;

    /// <summary>A good image in the store first, so that a bad pull has something to spoil.</summary>
    private string PullBaseline()
    {
        var good = new TestImage([TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true)], oci: true, Arch);
        good.Push(_pusher, "hostile/baseline", "1");
        var pull = _store.Strata("pull", "-q", $"{_proxy.Host}/hostile/baseline:1");
        Assert.True(pull.Code == 0, pull.Err);
        var images = _store.Strata("images");
        Assert.Equal(0, images.Code);
        return images.Out;
    }

    private void AssertRefused((int Code, string Out, string Err) pull, string expected, string? blob, string imagesBefore, List<string> aroundBefore)
    {
        Assert.True(pull.Code == 1, $"exit {pull.Code}: {pull.Err}{pull.Out}");
        string line = Assert.Single(pull.Err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("strata: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        if (blob is not null)
            Assert.Contains(blob, line, StringComparison.Ordinal);
        Assert.Equal(aroundBefore, _store.Around());
        StoreChecks.AssertConsistent(_store.Layout, strict: true);
        Assert.Equal(imagesBefore, _store.Strata("images").Out);
    }

    [Fact]
    public void Every_hostile_layer_is_refused_by_pull_with_one_line_and_nothing_spoiled()
    {
        string images = PullBaseline();
        List<string> around = _store.Around();
        int tried = 0;
        foreach (HostileTar hostile in HostileTars.All.Where(h => h.ErrorContains is not null))
        {
            long free = _store.FreeBytes();
            byte[] blob = hostile.Build(_store.Outside);
            var layer = new TestLayer(blob, MediaTypeOf(hostile.Compression), Digest.Of(Uncompressed(blob, hostile.Compression)));
            new TestImage([layer], oci: true, Arch).Push(_pusher, $"hostile/{hostile.Name}", "1");

            var pull = _store.Strata("pull", "--no-devices", $"{_proxy.Host}/hostile/{hostile.Name}:1");

            AssertRefused(pull, hostile.ErrorContains!, layer.BlobDigest.ToString(), images, around);
            // A refused layer's downloaded blob may stay until a prune; its unpacked bytes may not.
            Assert.True(_store.FreeBytes() >= free - blob.Length - (1 << 20), $"{hostile.Name}: the tmpfs lost {free - _store.FreeBytes()} bytes");
            tried++;
        }
        Assert.True(tried >= 45, $"only {tried} hostile layers tried");
        Assert.Equal(0, _store.Strata("prune").Code);
        StoreChecks.AssertConsistent(_store.Layout, strict: true, afterPrune: true);
    }

    [Fact]
    public void A_symlink_in_one_layer_and_a_file_through_it_in_the_next_stay_inside_the_layers()
    {
        var image = new TestImage([
            TestLayer.From(new TarBuilder().Symlink("link", _store.Outside).Build(), LayerCompression.Gzip, oci: true),
            TestLayer.From(new TarBuilder().Dir("link/").File("link/victim", "owned").HardLink("link/h", "link/victim").Build(), LayerCompression.Gzip, oci: true),
        ], oci: true, Arch);
        image.Push(_pusher, "hostile/across-layers", "1");
        List<string> around = _store.Around();

        var pull = _store.Strata("pull", "-q", $"{_proxy.Host}/hostile/across-layers:1");

        Assert.True(pull.Code == 0, pull.Err);
        Assert.Equal(around, _store.Around());
        Assert.Equal("safe", File.ReadAllText(Path.Combine(_store.Outside, "victim")));
        var layers = new Store.LayerStore(_store.Layout);
        IReadOnlyList<Digest> chain = ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList());
        Assert.Equal(_store.Outside, new FileInfo(Path.Combine(layers.DiffDir(layers.Get(chain[0])), "link")).LinkTarget);
        Assert.Equal("owned", File.ReadAllText(Path.Combine(layers.DiffDir(layers.Get(chain[1])), "link/victim")));
        StoreChecks.AssertConsistent(_store.Layout, strict: true);
    }

    /// <summary>One malformed document: what the proxy serves at which path, and the words of the error.</summary>
    public sealed record HostileDocument(string Name, Func<HostileContext, IEnumerable<(string Path, Fault.Canned Answer)>> Serve, string ErrorContains)
    {
        public override string ToString() => Name;
    }

    /// <summary>What a case builds on: a real layer and config in the registry, and the repository path.</summary>
    public sealed record HostileContext(string Repository, TestImage Image)
    {
        public string ManifestPath => $"/v2/{Repository}/manifests/1";

        public string BlobPath(Digest digest) => $"/v2/{Repository}/blobs/{digest}";

        public Fault.Canned Manifest(string json, string type = MediaTypes.OciManifest) => new(200, type, Encoding.UTF8.GetBytes(json));

        public string ConfigJson(long? size = null, string? digest = null, string mediaType = MediaTypes.OciConfig) =>
            $$"""{"mediaType":"{{mediaType}}","digest":"{{digest ?? Image.ConfigDigest.ToString()}}","size":{{size ?? Image.Config.Length}}}""";

        public string LayerJson(long? size = null, string? digest = null, string mediaType = MediaTypes.OciLayerGzip) =>
            $$"""{"mediaType":"{{mediaType}}","digest":"{{digest ?? Image.Layers[0].BlobDigest.ToString()}}","size":{{size ?? Image.Layers[0].Blob.Length}}}""";

        public string ManifestJson(string? config = null, string? layers = null) =>
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{config ?? ConfigJson()}},"layers":[{{layers ?? LayerJson()}}]}""";

        /// <summary>A manifest naming a config with these bytes, served by the proxy.</summary>
        public IEnumerable<(string, Fault.Canned)> WithConfig(string configJson)
        {
            byte[] config = Encoding.UTF8.GetBytes(configJson);
            Digest digest = Digest.Of(config);
            yield return (BlobPath(digest), new Fault.Canned(200, "application/octet-stream", config));
            yield return (ManifestPath, Manifest(ManifestJson(ConfigJson(config.Length, digest.ToString()))));
        }
    }

    private static readonly string Zero = "sha256:" + new string('0', 64);

    public static readonly IReadOnlyList<HostileDocument> Documents =
    [
        new("manifest-malformed-json", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":2,"config":"""))], "invalid JSON"),
        new("manifest-not-json", c => [(c.ManifestPath, c.Manifest("<html>hello</html>", "application/json"))], "invalid JSON"),
        new("manifest-json-null", c => [(c.ManifestPath, c.Manifest("null"))], "empty JSON"),
        new("manifest-missing-media-type", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":2}""", "application/json"))], "no config or no layers"),
        new("manifest-wrong-media-type", c => [(c.ManifestPath, c.Manifest("""{"mediaType":"application/x-foo"}""", "text/plain"))], "unsupported media type 'application/x-foo'"),
        new("manifest-schema1", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":1,"name":"x","fsLayers":[]}""", "application/vnd.docker.distribution.manifest.v1+prettyjws"))], "no config or no layers"),
        new("manifest-null-layer", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: "null")))], "layer 0: null"),
        new("manifest-null-config-digest", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(config: """{"mediaType":"x","digest":null,"size":3}""")))], "config: invalid digest"),
        new("layer-unknown-media-type", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(mediaType: "application/x-rar"))))], "unsupported layer media type 'application/x-rar'"),
        new("layer-missing-media-type", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: $$"""{"digest":"{{c.Image.Layers[0].BlobDigest}}","size":{{c.Image.Layers[0].Blob.Length}}}""")))], "unsupported layer media type ''"),
        new("layer-malformed-digest", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(digest: "sha256:XYZ"))))], "layer 0: invalid digest 'sha256:XYZ'"),
        new("layer-md5-digest", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(digest: "md5:" + new string('a', 32)))))], "layer 0: invalid digest"),
        new("config-malformed-digest", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(config: c.ConfigJson(digest: "sha256:" + new string('A', 64)))))], "config: invalid digest"),
        new("layer-negative-size", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(size: -1))))], "negative size -1"),
        new("config-negative-size", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(config: c.ConfigJson(size: -100))))], "negative size -100"),
        new("layer-absurd-size", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(size: 1L << 60))))], "more than the"),
        new("config-absurd-size", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(config: c.ConfigJson(size: 1L << 40))))], "more than the 16777216 bytes"),
        new("size-overflowing-long", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: """{"mediaType":"x","digest":"sha256:00","size":99999999999999999999999}""")))], "invalid JSON"),
        new("manifest-over-4mib", c => [(c.ManifestPath, c.Manifest("{\"x\":\"" + new string('a', 5 << 20) + "\"}"))], "larger than"),
        new("layer-digest-of-other-blob", c => [(c.ManifestPath, c.Manifest(c.ManifestJson(layers: c.LayerJson(digest: c.Image.ConfigDigest.ToString()))))], "gives"),
        new("config-bytes-mismatch", c => [(c.BlobPath(c.Image.ConfigDigest), new Fault.Canned(200, "application/octet-stream", new byte[c.Image.Config.Length])), (c.ManifestPath, c.Manifest(c.ManifestJson()))], "content has digest"),
        new("config-malformed-json", c => c.WithConfig("""{"rootfs":{"diff_ids":["""), "invalid JSON"),
        new("config-diff-ids-fewer", c => c.WithConfig("""{"rootfs":{"type":"layers","diff_ids":[]}}"""), "the manifest has 1 layers, the config 0 diff ids"),
        new("config-diff-ids-more", c => c.WithConfig($$$"""{"rootfs":{"type":"layers","diff_ids":["{{{Zero}}}","{{{Zero}}}"]}}"""), "the manifest has 1 layers, the config 2 diff ids"),
        new("config-no-rootfs", c => c.WithConfig("""{"architecture":"amd64"}"""), "the config 0 diff ids"),
        new("config-diff-id-malformed", c => c.WithConfig("""{"rootfs":{"type":"layers","diff_ids":["sha256:nothex"]}}"""), "diff id 0 'sha256:nothex' is not a sha256 digest"),
        new("config-diff-id-null", c => c.WithConfig("""{"rootfs":{"type":"layers","diff_ids":[null]}}"""), "diff id 0"),
        new("config-diff-id-wrong", c => c.WithConfig($$$"""{"rootfs":{"type":"layers","diff_ids":["{{{Zero}}}"]}}"""), "the config says " + Zero),
        new("index-manifests-null", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":null}""", MediaTypes.OciIndex))], "no 'manifests' list"),
        new("index-null-entry", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":2,"manifests":[null]}""", MediaTypes.OciIndex))], "manifest 0: null"),
        new("index-empty", c => [(c.ManifestPath, c.Manifest("""{"schemaVersion":2,"manifests":[]}""", MediaTypes.OciIndex))], "has no manifest for platform"),
        new("index-entry-bad-digest", c => [(c.ManifestPath, c.Manifest(IndexJson("sha256:zz", 10), MediaTypes.OciIndex))], "manifest 0: invalid digest"),
        new("index-entry-negative-size", c => [(c.ManifestPath, c.Manifest(IndexJson(Zero, -7), MediaTypes.OciIndex))], "negative size -7"),
        new("index-entry-absurd-size", c => [(c.ManifestPath, c.Manifest(IndexJson(Zero, 1L << 40), MediaTypes.OciIndex))], "more than the 4194304 bytes"),
        new("index-pointing-at-itself", c => IndexAtItself(c), "with digest"),
        new("index-in-index", c => IndexInIndex(c), "an index inside an index"),
    ];

    private static string IndexJson(string digest, long size, string mediaType = MediaTypes.OciManifest) =>
        $$$"""{"schemaVersion":2,"mediaType":"{{{MediaTypes.OciIndex}}}","manifests":[{"mediaType":"{{{mediaType}}}","digest":"{{{digest}}}","size":{{{size}}},"platform":{"os":"linux","architecture":"{{{Arch}}}"}}]}""";

    /// <summary>An index whose entry is the digest path under which the proxy serves that same index (so its bytes cannot match).</summary>
    private static IEnumerable<(string, Fault.Canned)> IndexAtItself(HostileContext c)
    {
        string json = IndexJson(Zero, 300, MediaTypes.OciIndex);
        yield return (c.ManifestPath, c.Manifest(json, MediaTypes.OciIndex));
        yield return ($"/v2/{c.Repository}/manifests/{Zero}", c.Manifest(json, MediaTypes.OciIndex));
    }

    /// <summary>The tag's index names another index (which names the all-zero digest): nested indexes are not followed.</summary>
    private static IEnumerable<(string, Fault.Canned)> IndexInIndex(HostileContext c)
    {
        string inner = IndexJson(Zero, 1, MediaTypes.OciIndex);
        yield return (c.ManifestPath, c.Manifest(IndexJson(Digest.Of(inner).ToString(), Encoding.UTF8.GetByteCount(inner), MediaTypes.OciIndex), MediaTypes.OciIndex));
        yield return ($"/v2/{c.Repository}/manifests/{Digest.Of(inner)}", c.Manifest(inner, MediaTypes.OciIndex));
    }

    [Fact]
    public void Every_malformed_manifest_index_and_config_is_refused_with_one_line_and_nothing_spoiled()
    {
        string images = PullBaseline();
        List<string> around = _store.Around();
        foreach (HostileDocument document in Documents)
        {
            string repository = $"hostile/doc-{document.Name}";
            // An image of its own per case: a blob an earlier case stored must not stand in for this one's.
            var image = new TestImage([TestLayer.From(new TarBuilder().File("case", document.Name).Build(), LayerCompression.Gzip, oci: true)], oci: true, Arch);
            image.Push(_pusher, repository, "real");
            _proxy.Clear();
            foreach ((string path, Fault.Canned answer) in document.Serve(new HostileContext(repository, image)))
                _proxy.Add(path, answer, times: -1);

            var pull = _store.Strata("pull", $"{_proxy.Host}/{repository}:1");

            Assert.True(pull.Err.Contains(document.ErrorContains, StringComparison.Ordinal), $"{document.Name}: {pull.Err}");
            AssertRefused(pull, document.ErrorContains, blob: null, images, around);
        }
        _proxy.Clear();
        Assert.Equal(0, _store.Strata("prune").Code);
        StoreChecks.AssertConsistent(_store.Layout, strict: true, afterPrune: true);
    }

    private static string MediaTypeOf(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => MediaTypes.OciLayerTar,
    };

    /// <summary>The diff id a config would name: of the decompressed bytes, or of the blob when it cannot be decompressed.</summary>
    private static byte[] Uncompressed(byte[] blob, LayerCompression compression)
    {
        try
        {
            using var output = new MemoryStream();
            using Stream input = Unpack.LayerDecompression.Open(new MemoryStream(blob), compression);
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            return blob;
        }
    }
}
