using System.Formats.Tar;
using System.IO.Compression;
using Strata.Image.Import;
using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Tests.Support;

namespace Strata.Image.Tests;

/// <summary>
/// strata load: the rich test image pushed to the registry, written by skopeo as a docker save archive
/// (the layout docker used before version 25), an OCI archive and an OCI layout dir, and put together here
/// as Docker 25 writes it (an OCI layout with manifest.json); each loaded without a registry and unpacked as
/// pull unpacks it. Tampered blobs are refused and leave nothing behind.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class LoadTests : IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly string _dir = Directory.CreateTempSubdirectory("strata-load-").FullName;
    private readonly StoreLayout _layout;
    private readonly TestImage _image;
    private readonly string _source;

    /// <summary>The same image without zstd, which skopeo (1.9) cannot put into a docker archive.</summary>
    private readonly TestImage _dockerImage;
    private readonly string _dockerSource;

    public LoadTests(RegistryFixture registry)
    {
        _registry = registry;
        _layout = new StoreLayout(Path.Combine(_dir, "store"));
        _image = new TestImage([
            TestLayer.From(SampleLayers.Base(), LayerCompression.Gzip, oci: true),
            TestLayer.From(SampleLayers.Changes(), LayerCompression.Zstd, oci: true),
            TestLayer.From(SampleLayers.Top(), LayerCompression.None, oci: true),
        ], oci: true, Platform.Host.Architecture);
        _dockerImage = new TestImage([_image.Layers[0], TestLayer.From(SampleLayers.Changes(), LayerCompression.Gzip, oci: true), _image.Layers[2]], oci: true, Platform.Host.Architecture);
        using (var pusher = new RegistryPusher(registry.BaseUri))
        {
            _image.Push(pusher, "demo/load", "1");
            _dockerImage.Push(pusher, "demo/load", "docker");
        }
        _source = $"docker://{registry.Host}/demo/load:1";
        _dockerSource = $"docker://{registry.Host}/demo/load:docker";
    }

    public void Dispose() => TreeDeleter.Delete(_dir);

    private string PathIn(string name) => Path.Combine(_dir, name);

    private IReadOnlyList<LoadedImage> Load(string path, LoadOptions? options = null, StoreLayout? store = null) =>
        new ArchiveLoader(store ?? _layout).LoadAsync(path, options ?? new LoadOptions()).GetAwaiter().GetResult();

    private void AssertLoadedAsPulled(LoadedImage loaded, TestImage? image = null)
    {
        image ??= _image;
        Assert.Equal(image.ConfigDigest.ToString(), loaded.Result.Image.Id);
        IReadOnlyList<Digest> chain = ChainId.Compute(image.Layers.Select(l => l.DiffId).ToList());
        Assert.Equal(chain.Select(c => c.ToString()), loaded.Result.Image.Layers);
        var layers = new LayerStore(_layout);
        string Diff(int i) => layers.DiffDir(layers.Get(chain[i]));
        SampleLayers.ExpectBase(Diff(0));
        SampleLayers.ExpectChanges(Diff(1));
        SampleLayers.ExpectTop(Diff(2));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layout.TempDir));
        // index.json lists the manifest (named or not), whose blob is in place, as after a pull.
        Assert.Contains(new OciLayoutStore(_layout).ReadIndex().Manifests, m => m.Digest == loaded.Result.Image.ManifestDigest);
        Digest manifest = Digest.Parse(loaded.Result.Image.ManifestDigest);
        Assert.Equal(manifest, Digest.Of(File.ReadAllBytes(_layout.BlobPath(manifest))));
    }

    [Fact]
    public void A_docker_save_archive_as_skopeo_writes_it_loads_with_its_names()
    {
        string archive = PathIn("docker.tar");
        Skopeo.Copy(_dockerSource, $"docker-archive:{archive}:demo/load:1");
        LoadedImage loaded = Assert.Single(Load(archive));
        AssertLoadedAsPulled(loaded, _dockerImage);
        Assert.Equal(["docker.io/demo/load:1"], loaded.Names.Select(n => n.ToString()));
        Assert.Equal(_dockerImage.ConfigDigest.ToString(), new ImageStore(_layout).Resolve("demo/load:1").Id);
        Assert.Equal((3, 0), (loaded.Result.LayersDownloaded, loaded.Result.LayersPresent));

        // The same archive compressed, and again: the layers are there already.
        string gzipped = archive + ".gz";
        using (var input = File.OpenRead(archive))
        using (var output = new GZipStream(File.Create(gzipped), CompressionLevel.Fastest))
            input.CopyTo(output);
        LoadedImage again = Assert.Single(Load(gzipped));
        Assert.Equal((0, 3), (again.Result.LayersDownloaded, again.Result.LayersPresent));
    }

    [Fact]
    public void An_oci_archive_and_an_oci_layout_dir_load_and_a_bare_tag_needs_a_name()
    {
        string archive = PathIn("oci.tar");
        Skopeo.Copy(_source, $"oci-archive:{archive}:demo/load:oci");
        LoadedImage fromArchive = Assert.Single(Load(archive));
        AssertLoadedAsPulled(fromArchive);
        Assert.Equal(["docker.io/demo/load:oci"], fromArchive.Names.Select(n => n.ToString()));

        string layout = PathIn("layout");
        Skopeo.Copy(_source, $"oci:{layout}:latest");
        LoadedImage unnamed = Assert.Single(Load(layout));
        Assert.Empty(unnamed.Names);
        Assert.Equal(["latest"], unnamed.BareTags);
        LoadedImage named = Assert.Single(Load(layout, new LoadOptions { Name = ImageReference.Parse("example.org/named:2") }));
        Assert.Equal(["example.org/named:2"], named.Names.Select(n => n.ToString()));
        Assert.Equal(_image.ConfigDigest.ToString(), new ImageStore(_layout).Resolve("example.org/named:2").Id);
    }

    [Fact]
    public void A_docker_25_archive_an_oci_layout_with_manifest_json_loads_with_both_kinds_of_name()
    {
        string layout = PathIn("layout");
        Skopeo.Copy(_source, $"oci:{layout}:1");
        string archive = PathIn("docker25.tar");
        WriteDocker25Archive(layout, archive, "demo/load:25");
        LoadedImage loaded = Assert.Single(Load(archive));
        AssertLoadedAsPulled(loaded);
        Assert.Equal(["docker.io/demo/load:25", "docker.io/library/load25:latest"], loaded.Names.Select(n => n.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_docker_save_archive_with_compressed_layers_is_hashed_and_loads()
    {
        // manifest.json naming gzip and zstd layer files, without an OCI index: the loader must hash them itself.
        string layout = PathIn("layout");
        Skopeo.Copy(_source, $"oci:{layout}:1");
        WriteDockerManifest(layout, ["compressed:1"]);
        File.Delete(Path.Combine(layout, "index.json"));
        File.Delete(Path.Combine(layout, "oci-layout"));
        AssertLoadedAsPulled(Assert.Single(Load(layout)));
    }

    [Fact]
    public void A_tampered_layer_in_an_archive_is_refused_and_leaves_nothing()
    {
        string archive = PathIn("docker.tar");
        Skopeo.Copy(_dockerSource, $"docker-archive:{archive}:demo/load:1");
        // The last layer's tar, found by the name manifest.json gives it; one byte of its data flipped.
        string member = ReadMembers(archive)["manifest.json"] is var manifest
            ? JsonFiles.Parse(manifest, ImageJsonContext.Default.ListDockerArchiveEntry, "test")[0].Layers[^1] : "";
        FlipByteOf(archive, member);
        var e = Assert.Throws<BlobVerificationException>(() => Load(archive));
        Assert.Contains(_dockerImage.Layers[^1].DiffId.ToString(), e.Message, StringComparison.Ordinal);
        StoreAssert.NothingHalfWritten(_layout);

        string layout = PathIn("layout");
        Skopeo.Copy(_source, $"oci:{layout}:1");
        string blob = Path.Combine(layout, "blobs", "sha256", _image.Layers[0].BlobDigest.Hex);
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(blob, bytes);
        // A fresh store: the one above keeps the good layers below the bad one, and a present layer is not read again.
        var fresh = new StoreLayout(PathIn("fresh"));
        var tampered = Assert.Throws<BlobVerificationException>(() => Load(layout, new LoadOptions { Name = ImageReference.Parse("x/y:1") }, fresh));
        Assert.Contains(_image.Layers[0].BlobDigest.ToString(), tampered.Message, StringComparison.Ordinal);
        StoreAssert.NothingHalfWritten(fresh);
    }

    [Fact]
    public void The_load_command_prints_what_it_loaded_and_refuses_bad_input_in_one_line()
    {
        string archive = PathIn("docker.tar");
        Skopeo.Copy(_dockerSource, $"docker-archive:{archive}:demo/load:1");
        var run = StrataCli.Run("load", "--root", _layout.Root, archive);
        Assert.True(run.Code == 0, run.Err);
        Assert.EndsWith("\nLoaded image: docker.io/demo/load:1\n", run.Out, StringComparison.Ordinal);
        foreach (TestLayer layer in _dockerImage.Layers)
            Assert.Contains($"{layer.DiffId.Short}: Load complete", run.Out, StringComparison.Ordinal);
        var images = StrataCli.Run("images", "--root", _layout.Root);
        Assert.Contains("docker.io/demo/load", images.Out, StringComparison.Ordinal);
        var umoci = StrataCli.Tool("umoci", "ls", "--layout", _layout.Root);
        Assert.True(umoci.Code == 0, umoci.Err);
        Assert.Equal("docker.io/demo/load:1", umoci.Out.Trim());

        string layout = PathIn("layout");
        Skopeo.Copy(_source, $"oci:{layout}:latest");
        var unnamed = StrataCli.Run("load", "--root", _layout.Root, "-i", layout);
        Assert.True(unnamed.Code == 0, unnamed.Err);
        Assert.Contains($"\nLoaded image ID: {_image.ConfigDigest} (its ref name 'latest' is only a tag", unnamed.Out, StringComparison.Ordinal);
        var quiet = StrataCli.Run("load", "-q", "--name", "mine:1", "--root", _layout.Root, layout);
        Assert.Equal((0, _image.ConfigDigest + "\n"), (quiet.Code, quiet.Out));
        Assert.Contains("docker.io/library/mine", StrataCli.Run("images", "--root", _layout.Root).Out, StringComparison.Ordinal);

        string junk = PathIn("junk");
        File.WriteAllText(junk, new string('j', 2000));
        foreach (string bad in new[] { PathIn("missing.tar"), junk, _dir })
        {
            var refused = StrataCli.Run("load", "--root", _layout.Root, bad);
            Assert.Equal(1, refused.Code);
            Assert.Single(refused.Err.TrimEnd().Split('\n'));
            Assert.StartsWith("strata: ", refused.Err, StringComparison.Ordinal);
        }
        Assert.Equal(2, StrataCli.Run("load", "--root", _layout.Root).Code);
    }

    /// <summary>Docker 25's docker save: the OCI layout, index.json annotated with the full name, and manifest.json with RepoTags.</summary>
    private static void WriteDocker25Archive(string layout, string archive, string name)
    {
        ImageIndex index = JsonFiles.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")), ImageJsonContext.Default.ImageIndex, "test");
        Descriptor manifest = Assert.Single(index.Manifests);
        manifest.Annotations = new() { ["io.containerd.image.name"] = "docker.io/" + name, [OciLayoutStore.RefNameAnnotation] = name.Split(':')[1] };
        File.WriteAllBytes(Path.Combine(layout, "index.json"), JsonFiles.Serialize(index, ImageJsonContext.Default.ImageIndex));
        WriteDockerManifest(layout, ["load25:latest"]);
        using var output = File.Create(archive);
        using var writer = new TarWriter(output, TarEntryFormat.Pax);
        foreach (string file in Directory.EnumerateFiles(layout, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            writer.WriteEntry(file, Path.GetRelativePath(layout, file));
    }

    /// <summary>manifest.json for the one image of an OCI layout dir, naming its blobs by their paths.</summary>
    private static void WriteDockerManifest(string layout, List<string> repoTags)
    {
        string blobs = Path.Combine(layout, "blobs", "sha256");
        ImageIndex index = JsonFiles.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")), ImageJsonContext.Default.ImageIndex, "test");
        string manifestPath = Path.Combine(blobs, Digest.Parse(Assert.Single(index.Manifests).Digest).Hex);
        ImageManifest manifest = JsonFiles.Parse(File.ReadAllBytes(manifestPath), ImageJsonContext.Default.ImageManifest, "test");
        var entry = new DockerArchiveEntry
        {
            Config = $"blobs/sha256/{Digest.Parse(manifest.Config!.Digest).Hex}",
            RepoTags = repoTags,
            Layers = manifest.Layers!.Select(l => $"blobs/sha256/{Digest.Parse(l.Digest).Hex}").ToList(),
        };
        File.WriteAllBytes(Path.Combine(layout, "manifest.json"), JsonFiles.Serialize(new List<DockerArchiveEntry> { entry }, ImageJsonContext.Default.ListDockerArchiveEntry));
    }

    private static Dictionary<string, byte[]> ReadMembers(string archive)
    {
        var members = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is { } data)
            {
                using var copy = new MemoryStream();
                data.CopyTo(copy);
                members[entry.Name] = copy.ToArray();
            }
        }
        return members;
    }

    private static void FlipByteOf(string archive, string member)
    {
        long offset = -1, length = 0;
        using (var reader = new TarReader(File.OpenRead(archive)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.Name == member)
                    (offset, length) = (entry.DataOffset, entry.Length);
            }
        }
        Assert.True(offset >= 0, $"{member} is not in {archive}");
        using var file = new FileStream(archive, FileMode.Open, FileAccess.ReadWrite);
        file.Seek(offset + length / 2, SeekOrigin.Begin);
        int b = file.ReadByte();
        file.Seek(-1, SeekOrigin.Current);
        file.WriteByte((byte)(b ^ 0x55));
    }
}
