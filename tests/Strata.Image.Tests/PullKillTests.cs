using System.Diagnostics;
using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Tests.Support;
using Strata.Testing;

namespace Strata.Image.Tests;

/// <summary>
/// `strata pull` killed with SIGKILL at random points (seeded), again and again on one store: after each kill
/// the store must be consistent (no half layer visible, every listed image whole, `strata images` working),
/// the next pull must not be held up by the dead one's lock, and in the end a pull completes, `strata prune`
/// leaves no orphan blob, layer dir, short link or half-written file, and the layers hold what the image says.
/// STRATA_KILL_ITERATIONS (default 16) and STRATA_KILL_SEED (default 1) run it longer by hand.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class PullKillTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly RegistryPusher _pusher;
    private readonly TempDir _dir = new("strata-kill-");

    public PullKillTests(RegistryFixture registry)
    {
        _registry = registry;
        _pusher = new RegistryPusher(registry.BaseUri);
    }

    public void Dispose()
    {
        _pusher.Dispose();
        _dir.Dispose();
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out int value) ? value : fallback;

    /// <summary>Layers big enough (many files, incompressible data) that a pull spends time in download, unpack and commit.</summary>
    private static TestImage KillImage(int seed)
    {
        var random = new Random(seed);
        var many = new TarBuilder();
        for (int i = 0; i < 1500; i++)
            many.File($"many/d{i % 30}/f{i}", new string((char)('a' + i % 26), random.Next(1, 3000)));
        byte[] noise = new byte[3 << 20];
        random.NextBytes(noise);
        var blob = new TarBuilder().Add(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "noise.bin")
        {
            Mode = TarBuilder.Mode("644"),
            ModificationTime = TarBuilder.Time,
            DataStream = new MemoryStream(noise),
        }).Build();
        return new TestImage([
            TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true),
            TestLayer.From(many.Build(), LayerCompression.Gzip, oci: true),
            TestLayer.From(blob, LayerCompression.Zstd, oci: true),
            TestLayer.From(SampleLayers.Changes(), LayerCompression.None, oci: true),
        ], oci: true, Platform.Host.Architecture);
    }

    [Fact]
    public void A_pull_killed_at_random_points_leaves_a_consistent_store_that_the_next_pull_completes()
    {
        int iterations = EnvInt("STRATA_KILL_ITERATIONS", 16);
        int seed = EnvInt("STRATA_KILL_SEED", 1);
        TestImage image = KillImage(seed);
        image.Push(_pusher, "kill/image", "1");
        string reference = $"{_registry.Host}/kill/image:1";

        // A clean pull elsewhere: how long one takes (the range of kill points) and what the layers must hold.
        string reference0 = _dir.Make("reference");
        var clock = Stopwatch.StartNew();
        var clean = StrataCli.Run("pull", "-q", "--root", reference0, reference);
        TimeSpan whole = clock.Elapsed;
        Assert.True(clean.Code == 0, clean.Err);

        string root = _dir.Make("store");
        var layout = new StoreLayout(root);
        var random = new Random(seed);
        int killed = 0, finished = 0, strays = 0;
        for (int i = 0; i < iterations; i++)
        {
            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * whole.TotalMilliseconds * 1.1);
            using (RunningStrata pull = StrataCli.Start("pull", "--root", root, reference))
            {
                if (pull.WaitFor(delay))
                {
                    var result = pull.Result();
                    Assert.True(result.Code == 0, $"iteration {i}: {result.Err}");
                    Assert.DoesNotContain("waiting for the store", result.Out, StringComparison.Ordinal);
                    finished++;
                }
                else
                {
                    pull.Kill();
                    killed++;
                }
            }
            StoreChecks.AssertConsistent(layout, strict: false);
            var images = StrataCli.Run("images", "--root", root);
            Assert.True(images.Code == 0, $"iteration {i} (after {delay.TotalMilliseconds:0} ms): {images.Err}");
            if (images.Out.Contains("kill/image", StringComparison.Ordinal))
            {
                // The pull got to the end (or to its tag): start over, from a store that keeps the leftovers.
                var rmi = StrataCli.Run("rmi", "--root", root, reference);
                Assert.True(rmi.Code == 0, rmi.Err);
            }
            else if (random.Next(4) == 0)
            {
                var prune = StrataCli.Run("prune", "--root", root);
                Assert.True(prune.Code == 0, prune.Err);
                strays += Strays(prune.Out);
                StoreChecks.AssertConsistent(layout, strict: true, afterPrune: true);
            }
        }
        var pruned = StrataCli.Run("prune", "--root", root);
        Assert.True(pruned.Code == 0, pruned.Err);
        strays += Strays(pruned.Out);
        StoreChecks.AssertConsistent(layout, strict: true, afterPrune: true);
        Console.WriteLine($"kill test: seed {seed}, {iterations} iterations, {killed} killed mid-pull, {finished} finished first (a pull takes {whole.TotalMilliseconds:0} ms), {strays} leftovers removed by prune");
        Assert.True(killed >= iterations / 2, $"only {killed} of {iterations} pulls were killed before they ended");

        var last = StrataCli.Run("pull", "--root", root, reference);
        Assert.True(last.Code == 0, last.Err);
        Assert.DoesNotContain("waiting for the store", last.Out, StringComparison.Ordinal);
        Assert.True(StrataCli.Run("prune", "--root", root).Code == 0);
        StoreChecks.AssertConsistent(layout, strict: true, afterPrune: true);
        AssertSameLayers(new StoreLayout(reference0), layout, image);
    }

    /// <summary>The "N leftovers" of prune's report.</summary>
    private static int Strays(string pruneOutput) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(pruneOutput, @"(\d+) leftovers").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private static void AssertSameLayers(StoreLayout expected, StoreLayout actual, TestImage image)
    {
        IReadOnlyList<Digest> chain = ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList());
        var want = new LayerStore(expected);
        var got = new LayerStore(actual);
        foreach (Digest chainId in chain)
        {
            Assert.Equal(TreeSnapshot.Take(want.DiffDir(want.Get(chainId)), includeOwnersAndUserXattrs: true),
                TreeSnapshot.Take(got.DiffDir(got.Get(chainId)), includeOwnersAndUserXattrs: true));
        }
        Assert.Equal(chain.Count, Directory.EnumerateDirectories(actual.Overlay2Dir).Count(d => Path.GetFileName(d) != "l"));
    }

    [Fact]
    public void Two_pulls_at_once_of_images_that_share_a_layer_both_succeed_and_store_it_once()
    {
        TestLayer shared = TestLayer.From(new TarBuilder().File("shared", new string('s', 200_000)).File("id", Guid.NewGuid().ToString()).Build(), LayerCompression.Gzip, oci: true);
        var a = new TestImage([shared, TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Platform.Host.Architecture);
        var b = new TestImage([shared, TestLayer.From(SampleLayers.Changes(), LayerCompression.Zstd, oci: true)], oci: true, Platform.Host.Architecture);
        a.Push(_pusher, "kill/shared-a", "1");
        b.Push(_pusher, "kill/shared-b", "1");
        string root = _dir.Make("shared");

        using RunningStrata first = StrataCli.Start("pull", "--root", root, $"{_registry.Host}/kill/shared-a:1");
        using RunningStrata second = StrataCli.Start("pull", "--root", root, $"{_registry.Host}/kill/shared-b:1");
        var one = first.Result();
        var two = second.Result();

        Assert.True(one.Code == 0, one.Err);
        Assert.True(two.Code == 0, two.Err);
        // The store lock makes one wait for the other; whichever came second found the shared layer there.
        string outputs = one.Out + two.Out;
        Assert.Single(outputs.Split('\n'), l => l.Contains("2 layers fetched, 0 already present", StringComparison.Ordinal));
        Assert.Single(outputs.Split('\n'), l => l.Contains("1 layers fetched, 1 already present", StringComparison.Ordinal));
        var layout = new StoreLayout(root);
        Assert.Equal(3, new LayerStore(layout).All().Count);
        Assert.Equal(3, Directory.EnumerateDirectories(layout.Overlay2Dir).Count(d => Path.GetFileName(d) != "l"));
        Assert.Equal(2, new ImageStore(layout).List().Count);
        StoreChecks.AssertConsistent(layout, strict: true);
        Console.WriteLine($"concurrent pulls: {(outputs.Contains("waiting for the store", StringComparison.Ordinal) ? "the second waited on the store lock" : "they did not overlap")}");
    }

    [Fact]
    public void Prune_removes_what_a_writer_killed_between_two_steps_leaves()
    {
        TestImage image = new([TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true)], oci: true, Platform.Host.Architecture);
        image.Push(_pusher, "kill/strays", "1");
        string root = _dir.Make("strays");
        Assert.Equal(0, StrataCli.Run("pull", "-q", "--root", root, $"{_registry.Host}/kill/strays:1").Code);
        var layout = new StoreLayout(root);
        // Killed after moving a layer into overlay2/ (and linking it) but before its record; in a JSON write before the rename.
        Directory.CreateDirectory(Path.Combine(layout.Overlay2Dir, new string('e', 64), "diff"));
        File.CreateSymbolicLink(Path.Combine(layout.ShortLinksDir, "STRAYLINK"), $"../{new string('e', 64)}/diff");
        File.CreateSymbolicLink(Path.Combine(layout.ShortLinksDir, "DANGLING"), "../gone/diff");
        File.WriteAllText(Path.Combine(layout.LayerDbDir, new string('e', 64) + ".json" + JsonFiles.TempSuffix + "1-x"), "{");
        File.WriteAllText(layout.IndexFile + JsonFiles.TempSuffix + "1-y", "{");
        Directory.CreateDirectory(Path.Combine(layout.TempDir, "layer-half"));
        string imagesBefore = StrataCli.Run("images", "--root", root).Out;

        var prune = StrataCli.Run("prune", "--root", root);

        Assert.True(prune.Code == 0, prune.Err);
        Assert.Equal(5, Strays(prune.Out));
        StoreChecks.AssertConsistent(layout, strict: true, afterPrune: true);
        Assert.Equal(imagesBefore, StrataCli.Run("images", "--root", root).Out);
    }
}
