using Strata.Image.Diff;
using Strata.Image.Store;
using Strata.Image.Tests.Support;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Tests;

/// <summary>
/// strata which: the layer a path's visible version comes from, or what deletes it, checked on an image built
/// for it and against kernel overlayfs on random layer stacks (every path over their name pool): the kernel
/// shows a path exactly when which says it is visible, and shows that layer's file (same inode) or dir.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class WhichTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly string _root = Directory.CreateTempSubdirectory("strata-which-store-").FullName;

    public WhichTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    public void Dispose() => TreeDeleter.Delete(_root);

    [Fact]
    public void Which_names_the_layer_of_each_path_or_what_deletes_it()
    {
        string reference = CliImages.PushAndPull(_registry, _root, "demo/which", ShadowingLayers.All, out TestImage image);
        IReadOnlyList<Digest> chain = ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList());
        string Ids(int layer) => $"chain id {chain[layer]}; diff id {image.Layers[layer].DiffId}; created by: step {layer}";

        var run = StrataCli.Run("which", "--root", _root, reference,
            "/b", "hl", "/c", "/d/in", "/d", "/a/keep", "/e", "/e/x", "/", "/lnk/new", "/nothing", "/b/x", "/d/../e/./x");
        Assert.Equal(1, run.Code);
        Assert.Equal(
            $"""
            /b: layer 1 (file, 1 bytes); {Ids(1)}
            hl: layer 0 (file, 100 bytes); {Ids(0)}
            /c: deleted by layer 1 (whiteout); {Ids(1)}; layer 0 has it
            /d/in: deleted by layer 1 (opaque dir /d); {Ids(1)}; layer 0 has it
            /d: layer 1 (dir); {Ids(1)}
            /a/keep: deleted by layer 2 (whiteout of /a); {Ids(2)}; layer 0 has it
            /e: layer 2 (dir); {Ids(2)}
            /e/x: layer 2 (file, 2 bytes); {Ids(2)}
            /: layer 2 (dir, merged with layers 1, 0); {Ids(2)}
            /lnk/new: layer 1 (file, 5 bytes) (via /lnk -> d (layer 0)); {Ids(1)}
            /nothing: absent: no layer has it
            /b/x: absent: /b is a file (layer 1), not a dir
            /d/../e/./x: layer 2 (file, 2 bytes); {Ids(2)}

            """, run.Out);

        var visible = StrataCli.Run("which", "--root", _root, reference, "/a/big", "/lnk");
        Assert.Equal(1, visible.Code);
        Assert.StartsWith("/a/big: deleted by layer 2 (whiteout of /a)", visible.Out, StringComparison.Ordinal);
        Assert.Contains($"/lnk: layer 0 (symlink -> d); {Ids(0)}", visible.Out, StringComparison.Ordinal);
        Assert.Equal(0, StrataCli.Run("which", "--root", _root, reference, "/lnk", "/d/new").Code);
        Assert.Equal(2, StrataCli.Run("which", "--root", _root, reference).Code);
        Assert.Equal(1, StrataCli.Run("which", "--root", _root, "nothing:1", "/x").Code);
    }

    [Fact]
    public void Which_agrees_with_kernel_overlayfs_on_every_path()
    {
        Check([SampleLayers.Base(), SampleLayers.Changes(), SampleLayers.Top()], SampleLayerPaths(), 0);
        Check(ShadowingLayers.All, RandomLayers.AllPaths().Concat(["a/big", "a/keep", "d/in", "d/new", "e/x", "hl", "lnk", "lnk/new", "lnk/in"]), 0);
        for (int seed = 1; seed <= 60; seed++)
            Check(RandomLayers.Generate(new Random(seed)), RandomLayers.AllPaths(), seed);
    }

    private static IEnumerable<string> SampleLayerPaths()
    {
        using var layers = new UnpackedLayers([SampleLayers.Base(), SampleLayers.Changes(), SampleLayers.Top()]);
        return layers.DiffDirs
            .SelectMany(d => Directory.EnumerateFileSystemEntries(d, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Select(p => Path.GetRelativePath(d, p)))
            .Distinct()
            .ToList();
    }

    private static void Check(IReadOnlyList<byte[]> tars, IEnumerable<string> paths, int seed)
    {
        using var layers = new UnpackedLayers(tars);
        using var origins = new PathOrigins(layers.DiffDirs);
        string? listing = null;
        foreach (string path in paths)
        {
            PathOrigin origin = origins.Find(path);
            int r = Sys.Stat(Path.Combine(layers.KernelView, path), out StatX seen, followSymlinks: false);
            string what = $"seed {seed}, {path}: which says {origin.Kind} layer {origin.Layer} ({origin.Detail}), the kernel {(r == 0 ? "shows it" : Errno.Describe(r))}\n{listing ??= layers.Describe()}";
            if (r == -Errno.ELOOP)
            {
                Assert.True(origin.Kind == OriginKind.Absent && origin.Detail.Contains("symlinks", StringComparison.Ordinal), what);
                continue;
            }
            Assert.True((r == 0) == (origin.Kind == OriginKind.Visible), what);
            if (origin.Kind == OriginKind.Visible)
            {
                string inLayer = layers.DiffDirs[origin.Layer] + origin.Resolved;
                Assert.True(Sys.Stat(inLayer, out StatX own, followSymlinks: false) == 0, $"{what}; {inLayer} is missing");
                Assert.True((own.Mode & FileType.S_IFMT) == (seen.Mode & FileType.S_IFMT), $"{what}; type differs");
                if (!own.IsDirectory)
                    Assert.True(own.Inode == seen.Inode, $"{what}; the kernel shows another layer's entry");
                else
                    AssertMerge(layers, origin, Path.Combine(layers.KernelView, path), what);
            }
            else if (origin.Kind == OriginKind.Deleted && origin.HiddenIn is { } below)
            {
                Assert.True(below < origin.Layer, what);
            }
        }
    }

    /// <summary>A visible dir shows the names of its layer and of the layers merged with it, and nothing else.</summary>
    private static void AssertMerge(UnpackedLayers layers, PathOrigin origin, string kernelDir, string what)
    {
        var kernelNames = Directory.EnumerateFileSystemEntries(kernelDir).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var ours = new HashSet<string?>(StringComparer.Ordinal);
        foreach (int layer in origin.MergedWith.Prepend(origin.Layer))
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(layers.DiffDirs[layer] + origin.Resolved))
                ours.Add(Path.GetFileName(entry));
        }
        foreach (string? name in kernelNames)
            Assert.True(ours.Contains(name), $"{what}; the kernel shows {name}, which none of the merged layers has");
    }
}
