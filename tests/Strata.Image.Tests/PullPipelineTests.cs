using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>
/// How pull moves bytes: several layers at once but no more than the limit, each unpacked while it streams in,
/// a layer the store has never asked for again, a transfer cut midway leaving nothing behind, the progress shown
/// (plain lines off a terminal, redrawn lines on one), and --insecure against a registry with a self-signed
/// certificate.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class PullPipelineTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly RegistryPusher _pusher;
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-pipeline-").FullName;

    public PullPipelineTests(RegistryFixture registry)
    {
        _registry = registry;
        _pusher = new RegistryPusher(registry.BaseUri);
    }

    public void Dispose()
    {
        _pusher.Dispose();
        TreeDeleter.Delete(_dir);
    }

    private StoreLayout NewStore(string name) => new(Path.Combine(_dir, name));

    /// <summary>A layer of incompressible files (so its blob is as big as its data), different for each seed.</summary>
    private static byte[] BigLayer(int seed, int files, int fileBytes)
    {
        var random = new Random(seed);
        var tar = new TarBuilder();
        for (int i = 0; i < files; i++)
        {
            byte[] data = new byte[fileBytes];
            random.NextBytes(data);
            tar.File($"l{seed}/f{i:D4}", Convert.ToBase64String(data)[..fileBytes]);
        }
        return tar.Build();
    }

    private TestImage Push(string repository, params byte[][] tars)
    {
        var image = new TestImage(tars.Select(t => TestLayer.From(t, LayerCompression.None, oci: true)).ToList(), oci: true, Platform.Host.Architecture);
        image.Push(_pusher, repository, "1");
        return image;
    }

    private PullResult Pull(StoreLayout store, string repository, ObservingHandler handler, int maxConcurrent = 3) =>
        new Puller(store).PullAsync(ImageReference.Parse($"{_registry.Host}/{repository}:1"),
            new PullOptions { Handler = handler, MaxConcurrentDownloads = maxConcurrent }).GetAwaiter().GetResult();

    [Fact]
    public void Layers_download_in_parallel_but_no_more_than_the_limit_at_once()
    {
        TestImage image = Push("demo/parallel", Enumerable.Range(0, 6).Select(i => BigLayer(100 + i, 16, 8192)).ToArray());
        // Slow bodies (8 KiB per 15 ms, about 0.25 s a layer), so that transfers overlap whenever they may.
        var three = new ObservingHandler { ChunkBytes = 8192, ReadDelay = TimeSpan.FromMilliseconds(15) };
        PullResult result = Pull(NewStore("three"), "demo/parallel", three);
        Assert.Equal(6, result.LayersDownloaded);
        Assert.Equal(3, three.MaxOpen);
        Assert.Equal(image.Layers.Select(l => l.BlobDigest.ToString()).Order(StringComparer.Ordinal), three.Requested.Where(d => d != image.ConfigDigest).Select(d => d.ToString()).Order(StringComparer.Ordinal));

        var one = new ObservingHandler { ChunkBytes = 8192, ReadDelay = TimeSpan.FromMilliseconds(15) };
        Pull(NewStore("one"), "demo/parallel", one, maxConcurrent: 1);
        Assert.Equal(1, one.MaxOpen);
    }

    [Fact]
    public void A_layer_is_unpacked_while_it_streams_in()
    {
        byte[] tar = BigLayer(7, 64, 16384);
        TestImage image = Push("demo/streaming", tar);
        StoreLayout store = NewStore("store");
        bool unpackedBeforeTheRestArrived = false;
        // Half the blob is sent; the rest only once files from the first half are in the layer's staging dir.
        var handler = new ObservingHandler
        {
            HoldAt = (image.Layers[0].BlobDigest, tar.Length / 2, async () =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (DateTime.UtcNow < deadline && !unpackedBeforeTheRestArrived)
                {
                    unpackedBeforeTheRestArrived = Directory.Exists(store.TempDir) && Directory.EnumerateDirectories(store.TempDir, "layer-*")
                        .Any(d => Directory.Exists(Path.Combine(d, "diff", "l7")) && Directory.EnumerateFiles(Path.Combine(d, "diff", "l7")).Count() > 10);
                    await Task.Delay(20).ConfigureAwait(false);
                }
            }),
        };
        PullResult result = Pull(store, "demo/streaming", handler);
        Assert.True(unpackedBeforeTheRestArrived, "no file of the layer was unpacked before the second half of its blob was sent");
        Assert.Equal(64, Directory.GetFiles(Path.Combine(new LayerStore(store).DiffDir(new LayerStore(store).Get(Digest.Parse(result.Image.Layers[0]))), "l7")).Length);
        Assert.Equal(image.Layers[0].BlobDigest, Digest.Of(File.ReadAllBytes(store.BlobPath(image.Layers[0].BlobDigest))));
    }

    [Fact]
    public void A_layer_the_store_has_is_not_asked_for_again()
    {
        byte[] shared = BigLayer(1, 4, 1024);
        TestImage first = Push("demo/present-a", shared, BigLayer(2, 4, 1024));
        TestImage second = Push("demo/present-b", shared, BigLayer(3, 4, 1024));
        StoreLayout store = NewStore("store");
        Pull(store, "demo/present-a", new ObservingHandler());

        var handler = new ObservingHandler();
        PullResult result = Pull(store, "demo/present-b", handler);
        Assert.Equal((1, 1), (result.LayersDownloaded, result.LayersPresent));
        Assert.DoesNotContain(first.Layers[0].BlobDigest, handler.Requested);
        Assert.Contains(second.Layers[1].BlobDigest, handler.Requested);

        var again = new ObservingHandler();
        Assert.Equal(0, Pull(store, "demo/present-a", again).LayersDownloaded);
        Assert.Empty(again.Requested);
    }

    [Fact]
    public void A_transfer_cut_midway_fails_the_pull_and_leaves_nothing_half_written()
    {
        byte[] bad = BigLayer(11, 32, 4096);
        TestImage image = Push("demo/cut", BigLayer(10, 32, 4096), bad, BigLayer(12, 32, 4096));
        StoreLayout store = NewStore("store");
        var handler = new ObservingHandler { FailAt = (image.Layers[1].BlobDigest, bad.Length / 2) };
        Exception e = Assert.ThrowsAny<Exception>(() => Pull(store, "demo/cut", handler));
        Assert.True(e is IOException or ImageException, e.ToString());
        StoreAssert.NothingHalfWritten(store);
        Assert.False(File.Exists(store.BlobPath(image.Layers[1].BlobDigest)));
        // The layer above the cut one was stopped or finished, but never moved into place.
        Assert.Null(new LayerStore(store).Find(ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList())[2]));
    }

    [Fact]
    public void Pull_prints_a_start_and_a_done_line_per_layer_when_stdout_is_not_a_terminal()
    {
        TestImage image = Push("demo/plain-progress", BigLayer(20, 4, 1024), BigLayer(21, 4, 1024));
        string root = NewStore("store").Root;
        string reference = $"{_registry.Host}/demo/plain-progress:1";
        var run = StrataCli.Run("pull", "--root", root, reference);
        Assert.True(run.Code == 0, run.Err);
        string[] lines = run.Out.TrimEnd().Split('\n');
        foreach (TestLayer layer in image.Layers)
        {
            string id = layer.BlobDigest.Short;
            Assert.Single(lines, l => l.StartsWith($"{id}: Downloading ", StringComparison.Ordinal));
            Assert.Single(lines, l => l.StartsWith($"{id}: Pull complete ", StringComparison.Ordinal) && l.EndsWith("/s)", StringComparison.Ordinal));
        }
        Assert.DoesNotContain('\x1b', run.Out);
        Assert.StartsWith($"pulled {reference}: {image.ConfigDigest}", lines[^1], StringComparison.Ordinal);

        var again = StrataCli.Run("pull", "--root", root, reference);
        Assert.All(image.Layers, l => Assert.Contains($"{l.BlobDigest.Short}: Already exists\n", again.Out, StringComparison.Ordinal));
        var quiet = StrataCli.Run("pull", "-q", "--root", root, reference);
        Assert.Equal(image.ConfigDigest + "\n", quiet.Out);
    }

    [Fact]
    public void Pull_redraws_its_layer_lines_in_place_on_a_terminal()
    {
        TestImage image = Push("demo/tty-progress", BigLayer(30, 4, 1024), BigLayer(31, 4, 1024));
        string root = NewStore("store").Root;
        string reference = $"{_registry.Host}/demo/tty-progress:1";
        // script(1) runs the command on a pseudo-terminal and copies what it writes there to our pipe.
        string command = string.Join(' ', new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "strata.dll"), "pull", "--root", root, reference }.Select(Quote));
        var run = StrataCli.Tool("script", "-q", "-e", "-c", command, "/dev/null");
        Assert.True(run.Code == 0, run.Out + run.Err);
        Assert.Contains("\x1b[2K", run.Out, StringComparison.Ordinal);
        Assert.Contains("\x1b[2A", run.Out, StringComparison.Ordinal);
        foreach (TestLayer layer in image.Layers)
            Assert.Contains($"{layer.BlobDigest.Short}: Pull complete", run.Out, StringComparison.Ordinal);
        Assert.Contains($"pulled {reference}: {image.ConfigDigest}", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Insecure_pulls_over_https_without_checking_the_certificate()
    {
        using var tls = RegistryFixture.WithTls();
        using (var pusher = new RegistryPusher(tls.BaseUri, tls.NewHandler()))
            new TestImage([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Platform.Host.Architecture).Push(pusher, "demo/tls", "1");
        string root = NewStore("store").Root;
        string reference = $"{tls.Host}/demo/tls:1";

        var insecure = StrataCli.Run("pull", "--insecure", "-q", "--root", root, reference);
        Assert.True(insecure.Code == 0, insecure.Err);
        SampleLayers.ExpectTop(new LayerStore(new StoreLayout(root)).DiffDir(new LayerStore(new StoreLayout(root)).All().Single()));

        // Without it, 127.0.0.1 is spoken to in plain HTTP, which a TLS registry refuses.
        var plain = StrataCli.Run("pull", "-q", "--root", NewStore("other").Root, reference);
        Assert.Equal(1, plain.Code);
        Assert.Single(plain.Err.TrimEnd().Split('\n'));
        Assert.Equal(2, StrataCli.Run("pull", "--insecure", "--plain-http", "--root", root, reference).Code);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
