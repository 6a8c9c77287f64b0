using Strata.Image.Diff;
using Strata.Image.Store;
using Strata.Image.Tests.Support;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Tests;

/// <summary>
/// strata layers: the changes of each layer over the ones below, and the wasted bytes, checked on an image
/// built for it (exact numbers), and against kernel overlayfs on random and rich layer stacks: a file's bytes
/// are wasted exactly when the kernel's merged view does not show that file (same-filesystem overlayfs
/// reports the inode number of the layer file it shows).
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class LayersTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly string _root = Directory.CreateTempSubdirectory("strata-layers-store-").FullName;

    public LayersTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    public void Dispose() => TreeDeleter.Delete(_root);

    [Fact]
    public void Layers_shows_each_layers_changes_and_the_wasted_bytes()
    {
        string reference = CliImages.PushAndPull(_registry, _root, "demo/shadowing", ShadowingLayers.All, out TestImage image);

        var run = StrataCli.Run("layers", "--root", _root, reference);
        Assert.True(run.Code == 0, run.Err);
        string[] lines = run.Out.TrimEnd().Split('\n');
        Assert.Equal($"Image {image.ConfigDigest}, 3 layers", lines[0]);
        Assert.Equal(["LAYER", "DIFF", "ID", "SIZE", "ADDED", "CHANGED", "DELETED", "WASTED", "CREATED", "BY"], Cells(lines[1]));
        // index, diff id, size, added, changed, deleted, wasted, created by
        Assert.Equal(["0", image.Layers[0].DiffId.Short, "1.19kB", "10", "0", "0", "1.09kB", "step", "0"], Cells(lines[2]));
        Assert.Equal(["1", image.Layers[1].DiffId.Short, "306B", "1", "4", "1", "300B", "step", "1"], Cells(lines[3]));
        Assert.Equal(["2", image.Layers[2].DiffId.Short, "2B", "1", "1", "1", "0B", "step", "2"], Cells(lines[4]));
        Assert.Equal(
            "Total 1.5kB (1495 bytes of file data); wasted 1.39kB (1387 bytes in 6 files that a higher layer overwrites or deletes); efficiency 7.22% (1 - wasted/total)",
            lines[5]);

        var verbose = StrataCli.Run("layers", "-v", "--root", _root, reference);
        Assert.True(verbose.Code == 0, verbose.Err);
        string text = verbose.Out;
        foreach (string expected in new[]
        {
            "    A /lnk\n",
            "    C /a/big\n    C /b\n    D /c\n    C /d (opaque: hides what the layers below have there)\n    A /d/new\n",
            "    D /a\n    C /e\n    A /e/x\n",
            "Wasted files:\n",
            "  1kB      /a/big  (layer 0, overwritten by layer 1)\n",
            "  300B     /a/big  (layer 1, deleted by layer 2)\n",
            "  50B      /c  (layer 0, deleted by layer 1)\n",
            "  20B      /d/in  (layer 0, deleted by layer 1)\n",
            "  10B      /a/keep  (layer 0, deleted by layer 2)\n",
            "  7B       /e  (layer 0, overwritten by layer 2)\n",
        })
            Assert.Contains(expected, text, StringComparison.Ordinal);
        // b is overwritten, but its hard link hl still shows the same bytes: not wasted.
        Assert.DoesNotContain(" /b  (", text, StringComparison.Ordinal);

        var missing = StrataCli.Run("layers", "--root", _root, "nothing:1");
        Assert.Equal(1, missing.Code);
        Assert.StartsWith("strata: no such image", missing.Err, StringComparison.Ordinal);
        Assert.Equal(2, StrataCli.Run("layers", "--root", _root).Code);
    }

    [Fact]
    public void Wasted_bytes_are_the_files_the_kernels_merged_view_does_not_show()
    {
        CheckAgainstKernel(ShadowingLayers.All);
        CheckAgainstKernel([SampleLayers.Base(), SampleLayers.Changes(), SampleLayers.Top()]);
        for (int seed = 1; seed <= 40; seed++)
            CheckAgainstKernel(RandomLayers.Generate(new Random(seed)), seed);
    }

    private static void CheckAgainstKernel(IReadOnlyList<byte[]> tars, int seed = 0)
    {
        using var layers = new UnpackedLayers(tars);
        ImageLayersReport report = ImageLayerAnalysis.Analyze(layers.DiffDirs);
        for (int i = 0; i < layers.DiffDirs.Count; i++)
        {
            // Per inode of the layer: its size, and whether the kernel shows it under one of its names.
            var files = new Dictionary<ulong, (long Size, bool Shown)>();
            foreach ((string relative, StatX st) in RegularFiles(layers.DiffDirs[i]))
            {
                bool shown = Sys.Stat(Path.Combine(layers.KernelView, relative), out StatX seen, followSymlinks: false) == 0 && seen.Inode == st.Inode;
                files[st.Inode] = files.TryGetValue(st.Inode, out var known) ? (known.Size, known.Shown || shown) : ((long)st.Size, shown);
            }
            LayerReport layer = report.Layers[i];
            Assert.True(files.Values.Sum(f => f.Size) == layer.Size, $"seed {seed} layer {i}: size {layer.Size}");
            long wasted = files.Values.Where(f => !f.Shown).Sum(f => f.Size);
            Assert.True(wasted == layer.WastedBytes, $"seed {seed} layer {i}: wasted {layer.WastedBytes}, the kernel hides {wasted}");
        }
        Assert.Equal(report.Layers.Sum(l => l.WastedBytes), report.Shadowed.Sum(f => f.Size));
    }

    private static IEnumerable<(string Relative, StatX Stat)> RegularFiles(string dir)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (Sys.Stat(path, out StatX st, followSymlinks: false) == 0 && st.IsRegular)
                yield return (Path.GetRelativePath(dir, path), st);
        }
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
