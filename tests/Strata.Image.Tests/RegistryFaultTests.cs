using System.Diagnostics;
using Strata.Image.Registry;
using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>
/// Pulls through the fault proxy in front of the real registry: what may pass is retried (5xx, 429 with
/// Retry-After, resets, truncated, corrupted, stalled and slow answers) and the pull succeeds with a correct
/// store; what keeps failing ends, within a bounded time, with an error naming the blob and the cause, and
/// nothing corrupt in the store; what cannot pass (404, a long Retry-After) is not retried.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class RegistryFaultTests : IDisposable
{
    private static readonly RetryPolicy Quick = new()
    {
        Attempts = 3,
        FirstBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        MaxRetryAfter = TimeSpan.FromSeconds(5),
        ResponseTimeout = TimeSpan.FromSeconds(3),
        StallTimeout = TimeSpan.FromSeconds(1),
    };

    private readonly RegistryFixture _registry;
    private readonly RegistryPusher _pusher;
    private readonly FaultProxy _proxy;
    private readonly Testing.TempDir _dir = new("strata-faults-");
    private readonly StoreLayout _layout;

    public RegistryFaultTests(RegistryFixture registry)
    {
        _registry = registry;
        _pusher = new RegistryPusher(registry.BaseUri);
        _proxy = new FaultProxy(registry.BaseUri);
        _layout = new StoreLayout(_dir["store"]);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _pusher.Dispose();
        _dir.Dispose();
    }

    /// <summary>An image of its own (so no other test's blob is in the way), pushed; returns it and its reference through the proxy.</summary>
    private (TestImage Image, string Reference) Push(string name)
    {
        var image = new TestImage([
            TestLayer.From(new TarBuilder().File("id", name + Guid.NewGuid()).File("big", new string('b', 300_000)).Build(), LayerCompression.None, oci: true),
        ], oci: true, Platform.Host.Architecture);
        image.Push(_pusher, $"faults/{name}", "1");
        return (image, $"{_proxy.Host}/faults/{name}:1");
    }

    private PullResult Pull(string reference) =>
        new Puller(_layout).PullAsync(ImageReference.Parse(reference), new PullOptions { Retry = Quick }).GetAwaiter().GetResult();

    private string LayerPath(TestImage image) => $"/blobs/{image.Layers[0].BlobDigest}";

    public static IEnumerable<object[]> PassingFaults() =>
    [
        ["status-500", new Fault.Status(500), 2],
        ["status-502", new Fault.Status(502), 2],
        ["status-503", new Fault.Status(503), 2],
        ["status-504", new Fault.Status(504), 1],
        ["retry-after", new Fault.Status(429, RetryAfterSeconds: 1), 1],
        ["reset", new Fault.Reset(), 2],
        ["truncated", new Fault.Truncate(1000), 2],
        ["corrupt", new Fault.Corrupt(), 2],
        ["stalled", new Fault.Stall(TimeSpan.FromSeconds(20), 5000), 1],
        ["slow", new Fault.Delay(TimeSpan.FromSeconds(1)), 1],
        ["too-slow", new Fault.Delay(TimeSpan.FromSeconds(10)), 1],
    ];

    [Theory]
    [MemberData(nameof(PassingFaults))]
    public void A_blob_fault_that_passes_is_retried_and_the_pull_succeeds(string name, Fault fault, int times)
    {
        (TestImage image, string reference) = Push($"pass-{name}");
        _proxy.Add(LayerPath(image), fault, times);
        var clock = Stopwatch.StartNew();

        PullResult result = Pull(reference);

        Assert.Equal(image.ConfigDigest.ToString(), result.Image.Id);
        // A slow answer within the bound is waited for, not asked again.
        bool slowButInTime = fault is Fault.Delay delay && delay.Time < Quick.ResponseTimeout;
        Assert.Equal(slowButInTime ? 1 : times + 1, _proxy.Requests(LayerPath(image)));
        if (fault is Fault.Status { RetryAfterSeconds: { } wait })
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(wait), $"Retry-After {wait} s not waited for ({clock.Elapsed})");
        StoreChecks.AssertConsistent(_layout, strict: true);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public void A_manifest_that_fails_once_is_fetched_again(int status)
    {
        (TestImage image, string reference) = Push($"manifest-{status}");
        _proxy.Add("/manifests/1", new Fault.Status(status), 1);
        Assert.Equal(image.ConfigDigest.ToString(), Pull(reference).Image.Id);
        Assert.Equal(2, _proxy.Requests("faults/manifest-" + status + "/manifests/1"));
    }

    public static IEnumerable<object[]> LastingFaults() =>
    [
        ["status-503", new Fault.Status(503), "503 ServiceUnavailable (gave up after 3 attempts)"],
        ["reset", new Fault.Reset(), "gave up after 3 attempts"],
        ["truncated", new Fault.Truncate(1000), "1000 bytes"],
        ["corrupt", new Fault.Corrupt(), "content has digest"],
        ["stalled", new Fault.Stall(TimeSpan.FromSeconds(20), 5000), "no data for 1 s after 5000 bytes"],
    ];

    [Theory]
    [MemberData(nameof(LastingFaults))]
    public void A_lasting_fault_ends_the_pull_in_bounded_time_with_the_blob_and_cause(string name, Fault fault, string cause)
    {
        (TestImage image, string reference) = Push($"lasting-{name}");
        _proxy.Add(LayerPath(image), fault, times: -1);
        var clock = Stopwatch.StartNew();

        var e = Assert.ThrowsAny<ImageException>(() => Pull(reference));

        // Three attempts, each within its bounds (1 s stall, 3 s for an answer), and the backoffs between.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(Quick.Attempts, _proxy.Requests(LayerPath(image)));
        Assert.Contains(image.Layers[0].BlobDigest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(cause, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        if (fault is Fault.Corrupt)
            Assert.IsType<BlobVerificationException>(e);
        Assert.False(File.Exists(_layout.BlobPath(image.Layers[0].BlobDigest)));
        Assert.Empty(new ImageStore(_layout).List());
        StoreChecks.AssertConsistent(_layout, strict: true);
    }

    [Fact]
    public void A_missing_blob_is_not_retried()
    {
        (TestImage image, string reference) = Push("missing");
        _proxy.Add(LayerPath(image), new Fault.Status(404), times: -1);
        var e = Assert.Throws<RegistryException>(() => Pull(reference));
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
        Assert.Contains(image.Layers[0].BlobDigest.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _proxy.Requests(LayerPath(image)));
    }

    [Fact]
    public void A_retry_after_longer_than_the_bound_fails_at_once_and_says_so()
    {
        (TestImage image, string reference) = Push("long-retry-after");
        _proxy.Add(LayerPath(image), new Fault.Status(429, RetryAfterSeconds: 3600), times: -1);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<RegistryException>(() => Pull(reference));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("asks to wait 3600 s", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, _proxy.Requests(LayerPath(image)));
    }

    [Fact]
    public void The_cli_with_its_default_policy_rides_out_a_503_and_a_truncated_blob()
    {
        (TestImage image, string reference) = Push("cli");
        _proxy.Add(LayerPath(image), new Fault.Status(503), 1);
        _proxy.Add(LayerPath(image), new Fault.Truncate(100), 1);
        var pull = StrataCli.Run("pull", "-q", "--root", _layout.Root, reference);
        Assert.True(pull.Code == 0, pull.Err);
        Assert.Equal(image.ConfigDigest + "\n", pull.Out);
        Assert.Equal(3, _proxy.Requests(LayerPath(image)));
        StoreChecks.AssertConsistent(_layout, strict: true);
    }
}
