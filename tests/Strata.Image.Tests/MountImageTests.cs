using Strata.Image.Store;
using Strata.Image.Tests.Support;
using Strata.Testing;

namespace Strata.Image.Tests;

/// <summary>
/// strata mount-image, diff, umount, rmi and prune, run as the command: both drivers over a pulled image (its
/// whiteouts and opaque dirs respected), writes through the rootfs, the diff checked line by line, and a store
/// that skopeo and umoci still read after images and layers are removed.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class MountImageTests : IDisposable
{
    private static readonly TimeSpan ServerExitLimit = TimeSpan.FromSeconds(30);

    private readonly RegistryFixture _registry;
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-mount-image-").FullName;

    public MountImageTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    private string Root => Path.Combine(_dir, "store");

    public void Dispose() => TreeDeleter.Delete(_dir);

    private string PushAndPull(string repository, params byte[][] layers) => CliImages.PushAndPull(_registry, Root, repository, layers, out _);

    private string NewRootFs(string name)
    {
        string rootFs = Path.Combine(_dir, name);
        Directory.CreateDirectory(rootFs);
        return rootFs;
    }

    /// <summary>Mounts (the test fails when it cannot), runs the body, and always unmounts.</summary>
    private void WithMount(string reference, string driver, string rootFs, Action body)
    {
        try
        {
            var mount = StrataCli.Run("mount-image", "--root", Root, "--driver", driver, reference, rootFs);
            Assert.True(mount.Code == 0, $"mount-image --driver {driver}: {mount.Err}");
            Assert.True(Mounts.IsMounted(rootFs), $"{rootFs} is not mounted after mount-image");
            body();
            var umount = StrataCli.Run("umount", rootFs);
            Assert.True(umount.Code == 0, umount.Err);
            Assert.False(Mounts.IsMounted(rootFs));
        }
        finally
        {
            Mounts.ForceCleanUp(rootFs);
            Mounts.WaitForServersToExit(rootFs, ServerExitLimit);
        }
    }

    [Theory]
    [InlineData("strata")]
    [InlineData("kernel")]
    public void Mount_image_shows_the_image_takes_writes_and_diff_lists_them(string driver)
    {
        string reference = PushAndPull($"demo/mi-{driver}", SampleLayers.Base(), SampleLayers.Changes(), SampleLayers.Top());
        string rootFs = NewRootFs("rootfs");
        WithMount(reference, driver, rootFs, () =>
        {
            Assert.Equal(["bin", "etc", "long", "old", "opq", "run", "swap", "utf"], Fs.Names(rootFs));
            Assert.Equal(["new"], Fs.Names(Path.Combine(rootFs, "opq")));
            Assert.Empty(Fs.Names(Path.Combine(rootFs, "old")));
            Assert.Equal("root:x:0:0:changed\n", File.ReadAllText(Path.Combine(rootFs, "etc/passwd")));
            Assert.Equal("now a file", File.ReadAllText(Path.Combine(rootFs, "bin/sym")));
            Assert.Equal("extra", File.ReadAllText(Path.Combine(rootFs, "bin/extra")));

            Assert.Empty(StrataCli.Run("diff", "--root", Root, rootFs).Out);

            File.WriteAllText(Path.Combine(rootFs, "etc/passwd"), "root:x:0:0:mine\n");
            File.Delete(Path.Combine(rootFs, "bin/extra"));
            Directory.CreateDirectory(Path.Combine(rootFs, "newdir"));
            File.WriteAllText(Path.Combine(rootFs, "newdir/f"), "f");
            Directory.Delete(Path.Combine(rootFs, "old"));
            File.WriteAllText(Path.Combine(rootFs, "opq/added"), "added");
            File.Delete(Path.Combine(rootFs, "run/fifo"));
            Directory.Delete(Path.Combine(rootFs, "run"));
            Directory.CreateDirectory(Path.Combine(rootFs, "run"));
            File.WriteAllText(Path.Combine(rootFs, "run/x"), "x");

            Assert.Equal("root:x:0:0:mine\n", File.ReadAllText(Path.Combine(rootFs, "etc/passwd")));
            Assert.Equal(["sym", "tool", "tool-link"], Fs.Names(Path.Combine(rootFs, "bin")));
            Assert.Equal(["x"], Fs.Names(Path.Combine(rootFs, "run")));

            var diff = StrataCli.Run("diff", "--root", Root, rootFs);
            Assert.True(diff.Code == 0, diff.Err);
            Assert.Equal(
                """
                C /bin
                D /bin/extra
                C /etc
                C /etc/passwd
                A /newdir
                A /newdir/f
                D /old
                C /opq
                A /opq/added
                C /run
                A /run/x

                """, diff.Out);
        });
        var again = StrataCli.Run("diff", "--root", Root, rootFs);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("A /run/x", again.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("strata")]
    [InlineData("kernel")]
    public void The_mounted_root_is_the_expected_tree_and_the_tree_umoci_unpacks(string driver)
    {
        string reference = PushAndPull($"demo/tree-{driver}", SampleLayers.Base(), SampleLayers.Changes(), SampleLayers.Top());
        // umoci applies the same layers one over the other into a plain dir: an independent unpacker.
        string layout = Path.Combine(_dir, "layout");
        Skopeo.Copy($"docker://{reference}", $"oci:{layout}:t");
        string bundle = Path.Combine(_dir, "bundle");
        var umoci = StrataCli.Tool("umoci", "unpack", "--image", $"{layout}:t", bundle);
        Assert.True(umoci.Code == 0, umoci.Err);
        string unpacked = Path.Combine(bundle, "rootfs");

        string rootFs = NewRootFs("rootfs");
        WithMount(reference, driver, rootFs, () =>
        {
            Assert.Equal(SampleLayers.ExpectedRoot, Fs.Listing(rootFs));
            Assert.Equal(SampleLayers.ExpectedRoot, Fs.Listing(unpacked));
            Assert.Equal("de-ja", Fs.Xattr(Path.Combine(rootFs, SampleLayers.Utf8Name), "user.lang"));
            Assert.Null(Fs.Xattr(Path.Combine(rootFs, "etc/passwd"), "user.test"));
            Assert.Equal(
                TreeSnapshot.Take(unpacked, includeOverlayXattrs: true, includeOwnersAndUserXattrs: true),
                TreeSnapshot.Take(rootFs, includeOverlayXattrs: true, includeOwnersAndUserXattrs: true));
            var tool = Fs.Stat(Path.Combine(rootFs, "bin/tool"));
            Assert.Equal((1000u, 1001u, 2u), (tool.Uid, tool.Gid, tool.LinkCount));
            Assert.Equal(tool.Inode, Fs.Stat(Path.Combine(rootFs, "bin/tool-link")).Inode);
        });
    }

    [Fact]
    public void Rmi_and_prune_remove_only_what_nothing_else_uses()
    {
        string first = PushAndPull("demo/rmi-a", SampleLayers.Base(), SampleLayers.Changes());
        string second = PushAndPull("demo/rmi-b", SampleLayers.Base(), SampleLayers.Top());
        var layout = new StoreLayout(Root);
        Assert.Equal(3, Directory.GetFiles(layout.LayerDbDir).Length);

        string rootFs = NewRootFs("rootfs");
        WithMount(first, "strata", rootFs, () =>
        {
            File.WriteAllText(Path.Combine(rootFs, "written"), "w");
            var refused = StrataCli.Run("rmi", "--root", Root, first);
            Assert.Equal(1, refused.Code);
            Assert.Single(refused.Err.TrimEnd().Split('\n'));
            Assert.Contains("is used by the writable layer", refused.Err, StringComparison.Ordinal);
            var pruneWhileMounted = StrataCli.Run("prune", "--root", Root);
            Assert.True(pruneWhileMounted.Code == 0, pruneWhileMounted.Err);
            Assert.Single(Directory.GetFiles(layout.ContainersDir));
        });

        var prune = StrataCli.Run("prune", "--root", Root);
        Assert.True(prune.Code == 0, prune.Err);
        Assert.Empty(Directory.GetFiles(layout.ContainersDir));
        var rmi = StrataCli.Run("rmi", "--root", Root, first);
        Assert.True(rmi.Code == 0, rmi.Err);
        Assert.Equal(1, StrataCli.Run("inspect", "--root", Root, first).Code);

        // The shared base and the second image's top stay; the first image's own layer and blobs are gone.
        Assert.Equal(2, Directory.GetFiles(layout.LayerDbDir).Length);
        Assert.Equal(["l"], Fs.Names(layout.Overlay2Dir).Except(Directory.GetFiles(layout.LayerDbDir).Select(Path.GetFileNameWithoutExtension)));
        foreach (string link in Directory.GetFileSystemEntries(layout.ShortLinksDir))
            Assert.True(Directory.Exists(link), $"dangling short link {link}");
        Assert.Equal(4, Directory.GetFiles(layout.BlobsDir).Length);

        var skopeo = StrataCli.Tool("skopeo", "inspect", "--raw", $"oci:{Root}:{second}");
        Assert.True(skopeo.Code == 0, skopeo.Err);
        var umoci = StrataCli.Tool("umoci", "ls", "--layout", Root);
        Assert.True(umoci.Code == 0, umoci.Err);
        Assert.Equal(second, umoci.Out.Trim());

        string again = NewRootFs("again");
        WithMount(second, "strata", again, () => Assert.Equal("extra", File.ReadAllText(Path.Combine(again, "bin/extra"))));
        Assert.True(StrataCli.Run("prune", "--root", Root).Code == 0);
        Assert.True(StrataCli.Run("rmi", "--root", Root, second).Code == 0);
        Assert.Empty(Directory.GetFiles(layout.LayerDbDir));
        Assert.Empty(Directory.GetFiles(layout.BlobsDir));
        Assert.Equal(["l"], Fs.Names(layout.Overlay2Dir));
        Assert.Empty(Fs.Names(layout.ShortLinksDir));
    }

    [Fact]
    public void A_150_layer_image_mounts_with_the_strata_driver_and_a_failed_kernel_mount_leaves_nothing()
    {
        byte[][] layers = Enumerable.Range(0, 150)
            .Select(i => new TarBuilder().File($"f{i:D3}", $"{i}").File("top", $"layer {i}").Build())
            .ToArray();
        string reference = PushAndPull("demo/many", layers);
        var layout = new StoreLayout(Root);

        string rootFs = NewRootFs("rootfs");
        WithMount(reference, "strata", rootFs, () =>
        {
            Assert.Equal(151, Fs.Names(rootFs).Length);
            Assert.Equal("layer 149", File.ReadAllText(Path.Combine(rootFs, "top")));
            Assert.Equal("0", File.ReadAllText(Path.Combine(rootFs, "f000")));
            File.WriteAllText(Path.Combine(rootFs, "top"), "mine");
            Assert.Equal("C /top\n", StrataCli.Run("diff", "--root", Root, rootFs).Out);
        });
        Assert.True(StrataCli.Run("prune", "--root", Root).Code == 0);

        string kernel = NewRootFs("kernel");
        try
        {
            var refused = StrataCli.Run("mount-image", "--root", Root, "--driver", "kernel", reference, kernel);
            Assert.Equal(1, refused.Code);
            Assert.Single(refused.Err.TrimEnd().Split('\n'));
            Assert.Contains("--driver strata", refused.Err, StringComparison.Ordinal);
            Assert.False(Mounts.IsMounted(kernel));
        }
        finally
        {
            Mounts.ForceCleanUp(kernel);
        }
        Assert.Empty(Directory.GetFiles(layout.ContainersDir));
        Assert.Equal(151, Fs.Names(layout.Overlay2Dir).Length);
        Assert.Empty(Fs.Names(layout.TempDir));
    }

    [Fact]
    public void Bad_input_gives_one_line_a_non_zero_exit_and_no_new_layer()
    {
        string reference = PushAndPull("demo/mi-errors", SampleLayers.Top());
        var layout = new StoreLayout(Root);
        string rootFs = NewRootFs("rootfs");

        var unknown = StrataCli.Run("mount-image", "--root", Root, "nothing:1", rootFs);
        Assert.Equal(1, unknown.Code);
        Assert.StartsWith("strata: no such image", unknown.Err, StringComparison.Ordinal);
        Assert.Single(unknown.Err.TrimEnd().Split('\n'));

        var missing = StrataCli.Run("mount-image", "--root", Root, reference, Path.Combine(_dir, "none"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("does not exist", missing.Err, StringComparison.Ordinal);

        Assert.Equal(2, StrataCli.Run("mount-image", "--root", Root, "--driver", "bogus", reference, rootFs).Code);
        Assert.Equal(2, StrataCli.Run("mount-image", "--root", Root, reference).Code);

        Assert.Empty(Directory.GetFiles(layout.ContainersDir));
        Assert.Single(Fs.Names(layout.Overlay2Dir), n => n != "l");

        var diff = StrataCli.Run("diff", "--root", Root, rootFs);
        Assert.Equal(1, diff.Code);
        Assert.Contains("no writable layer", diff.Err, StringComparison.Ordinal);
        Assert.Single(diff.Err.TrimEnd().Split('\n'));
    }
}
