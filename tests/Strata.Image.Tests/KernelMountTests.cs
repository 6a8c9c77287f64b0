using System.Diagnostics;
using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>
/// The pulled layers are in the kernel's format: kernel overlayfs mounts them through the overlay2 short
/// links (as docker does, relative to overlay2/) and shows the image's final tree.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class KernelMountTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly string _root = Directory.CreateTempSubdirectory("strata-kmount-").FullName;

    public KernelMountTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    public void Dispose() => TreeDeleter.Delete(_root);

    [Fact]
    public async Task Kernel_overlayfs_mounts_the_pulled_layers_and_shows_the_final_tree()
    {
        TestImage image = new([
            TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true),
            TestLayer.From(SampleLayers.Changes(), LayerCompression.Gzip, oci: true),
            TestLayer.From(SampleLayers.Top(), LayerCompression.Gzip, oci: true),
        ], oci: true, Platform.Host.Architecture);
        using (var pusher = new RegistryPusher(_registry.BaseUri))
            image.Push(pusher, "demo/kmount", "1");
        var layout = new StoreLayout(_root);
        PullResult pulled = await new Puller(layout).PullAsync(ImageReference.Parse($"{_registry.Host}/demo/kmount:1"), new PullOptions());

        var layers = new LayerStore(layout);
        string top = layers.LayerDir(layers.Get(Digest.Parse(pulled.Image.Layers[^1])));
        string lowerdir = $"l/{File.ReadAllText(Path.Combine(top, "link"))}:{File.ReadAllText(Path.Combine(top, "lower"))}";
        string merged = Path.Combine(_root, "mnt");
        Directory.CreateDirectory(merged);
        Run(layout.Overlay2Dir, "mount", "-t", "overlay", "-o", $"lowerdir={lowerdir}", "none", merged);
        try
        {
            Assert.Equal(["bin", "etc", "long", "old", "opq", "run", "swap", "utf"], Fs.Names(merged));
            Assert.Equal(["new"], Fs.Names(Path.Combine(merged, "opq")));
            Assert.Empty(Fs.Names(Path.Combine(merged, "old")));
            Assert.Equal(["extra", "sym", "tool", "tool-link"], Fs.Names(Path.Combine(merged, "bin")));
            Assert.Equal("now a file", File.ReadAllText(Path.Combine(merged, "bin/sym")));
            Assert.Equal("root:x:0:0:changed\n", File.ReadAllText(Path.Combine(merged, "etc/passwd")));
            Assert.Equal("tool v1", File.ReadAllText(Path.Combine(merged, "bin/tool-link")));
            Assert.Equal("utf", File.ReadAllText(Path.Combine(merged, SampleLayers.Utf8Name)));
        }
        finally
        {
            Run(_root, "umount", merged);
        }
    }

    private static void Run(string workingDirectory, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardError = true };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: {stderr}");
    }
}
