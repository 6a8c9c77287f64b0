using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Unpack;

namespace Strata.Image.Import;

/// <summary>How to load: the platform to take from an index, and a name for an archive that holds one image.</summary>
public sealed record LoadOptions
{
    public Platform Platform { get; init; } = Platform.Host;

    /// <summary>Names the image instead of the names the archive gives (the archive must hold one image).</summary>
    public ImageReference? Name { get; init; }
}

/// <summary>One loaded image and the names it got (none: listed as &lt;none&gt;); <see cref="BareTags"/> are ref names that were only a tag.</summary>
public sealed record LoadedImage(PullResult Result, IReadOnlyList<ImageReference> Names, IReadOnlyList<string> BareTags);

/// <summary>
/// strata load: imports images without a registry from a <c>docker save</c> archive (<c>manifest.json</c> and
/// layer tars, as docker wrote them before version 25, or an OCI layout inside, as since), an OCI image layout
/// directory, or an OCI archive (a tar of such a layout); a gzip or zstd compressed archive is unpacked first.
/// Every blob goes through the <see cref="ImageImporter"/>, verified as pull verifies it. Names come from
/// <c>RepoTags</c>, <c>io.containerd.image.name</c>, or an <c>org.opencontainers.image.ref.name</c> that is a
/// full reference (one that is only a tag names nothing: <see cref="LoadOptions.Name"/> gives the name).
/// </summary>
public sealed class ArchiveLoader
{
    private const long MaxJsonBytes = 4 << 20;
    private const string ContainerdNameAnnotation = "io.containerd.image.name";

    private readonly StoreLayout _layout;
    private readonly ImageImporter _importer;
    private readonly IPullProgress _progress;

    public ArchiveLoader(StoreLayout layout, IPullProgress? progress = null)
    {
        _layout = layout;
        _progress = progress ?? SilentProgress.Instance;
        _importer = new ImageImporter(layout, _progress);
    }

    /// <summary>An image found in the archive, gathering the names its entries give it.</summary>
    private sealed class Candidate(byte[] manifest, string mediaType, PlatformSpec? platform, string what)
    {
        public List<ImageReference> Names { get; } = [];

        public List<string> BareTags { get; } = [];

        public byte[] Manifest => manifest;

        public string What => what;

        public ImportRequest Request => new(manifest, mediaType, platform, Names, what);

        public void Name(ImageReference name)
        {
            if (!Names.Contains(name))
                Names.Add(name);
        }
    }

    /// <summary>Loads every image of the archive at <paramref name="path"/>: a tar file (plain, gzip or zstd), a directory, or "-" for standard input.</summary>
    public async Task<IReadOnlyList<LoadedImage>> LoadAsync(string path, LoadOptions options, CancellationToken cancel = default)
    {
        using StoreLock storeLock = ImageImporter.LockStore(_layout);
        using StagingDir staging = _layout.CreateStaging("load");
        using ArchiveFiles files = await OpenAsync(path, staging, cancel).ConfigureAwait(false);
        var source = new ArchiveBlobSource(files);
        List<Candidate> images;
        if (files.Exists("index.json") && files.Exists("oci-layout"))
            images = ReadOciLayout(files, options.Platform);
        else if (files.Exists("manifest.json"))
            images = ReadDockerArchive(files, source);
        else
            throw new ImageException($"{files.Description} is neither a docker save archive (no manifest.json) nor an OCI layout (no oci-layout and index.json)");
        if (images.Count == 0)
            throw new ImageException($"{files.Description} holds no image for platform {options.Platform} (choose one with --platform)");
        if (options.Name is { } name)
        {
            if (images.Count > 1)
                throw new ImageException($"{files.Description} holds {images.Count} images; --name names one");
            images[0].Names.Clear();
            images[0].Name(name);
        }
        var loaded = new List<LoadedImage>();
        foreach (Candidate image in images)
        {
            PullResult result = await _importer.ImportAsync(source, image.Request, cancel).ConfigureAwait(false);
            loaded.Add(new LoadedImage(result, image.Request.Names, image.BareTags));
        }
        return loaded;
    }

    private static async Task<ArchiveFiles> OpenAsync(string path, StagingDir staging, CancellationToken cancel)
    {
        if (path != "-" && Directory.Exists(path))
            return new DirectoryArchiveFiles(path);
        string shownAs = path == "-" ? "standard input" : path;
        string tar = path;
        if (path == "-")
        {
            tar = Path.Combine(staging.Path, "stdin");
            await using Stream stdin = Console.OpenStandardInput();
            await using var copy = new FileStream(tar, FileMode.CreateNew, FileAccess.Write);
            await stdin.CopyToAsync(copy, cancel).ConfigureAwait(false);
        }
        else if (!File.Exists(path))
        {
            throw new ImageException($"{path}: no such file or directory");
        }
        LayerCompression compression;
        await using (var head = new FileStream(tar, FileMode.Open, FileAccess.Read))
            compression = LayerDecompression.Sniff(head);
        if (compression != LayerCompression.None)
        {
            // A compressed tar cannot be read in place: unpack it once into the store's tmp/.
            string plain = Path.Combine(staging.Path, "archive.tar");
            try
            {
                await using var input = new FileStream(tar, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                await using Stream decompressed = LayerDecompression.Open(input, compression);
                await using var output = new FileStream(plain, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                await decompressed.CopyToAsync(output, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
            {
                throw new ImageException($"{shownAs}: cannot decompress ({compression}): {e.Message}", e);
            }
            tar = plain;
        }
        return TarArchiveFiles.Open(tar, shownAs);
    }

    private static List<Candidate> ReadOciLayout(ArchiveFiles files, Platform platform)
    {
        ImageIndex index = JsonFiles.Parse(files.ReadAll("index.json", MaxJsonBytes), ImageJsonContext.Default.ImageIndex, $"index.json of {files.Description}");
        Dictionary<Digest, List<ImageReference>> dockerNames = files.Exists("manifest.json") ? DockerNamesByConfig(files) : [];
        var images = new List<Candidate>();
        var byDigest = new Dictionary<Digest, Candidate>();
        foreach (Descriptor entry in index.Manifests)
        {
            Descriptor manifest = entry;
            if (MediaTypes.IsIndex(entry.MediaType))
            {
                string what = $"index {entry.Digest} of {files.Description}";
                ImageIndex inner = JsonFiles.Parse(ReadBlob(files, entry, "index"), ImageJsonContext.Default.ImageIndex, what);
                manifest = platform.Select(inner, what);
                if (!MediaTypes.IsManifest(manifest.MediaType))
                    throw new ImageException($"{what}: an index inside an index is not supported");
            }
            else if (!MediaTypes.IsManifest(entry.MediaType))
            {
                throw new ImageException($"index.json of {files.Description}: unsupported media type '{entry.MediaType}' of {entry.Digest}");
            }
            else if (entry.Platform is not null && !platform.Matches(entry.Platform))
            {
                continue;
            }
            Digest digest = Digest.Parse(manifest.Digest);
            if (!byDigest.TryGetValue(digest, out Candidate? image))
            {
                image = new Candidate(ReadBlob(files, manifest, "manifest"), manifest.MediaType, manifest.Platform ?? entry.Platform, $"{digest} of {files.Description}");
                byDigest[digest] = image;
                images.Add(image);
            }
            if (NameOf(entry.Annotations, image.BareTags) is { } name)
                image.Name(name);
        }
        // docker save (25 and later) names its images in manifest.json too, by config.
        foreach (Candidate image in images)
        {
            ImageManifest parsed = JsonFiles.Parse(image.Manifest, ImageJsonContext.Default.ImageManifest, $"manifest {image.What}");
            if (parsed.Config is not null && Digest.TryParse(parsed.Config.Digest, out Digest config) && dockerNames.TryGetValue(config, out List<ImageReference>? more))
                more.ForEach(image.Name);
        }
        return images;
    }

    /// <summary>A manifest or index from blobs/, checked against the digest and size that point at it.</summary>
    private static byte[] ReadBlob(ArchiveFiles files, Descriptor descriptor, string what)
    {
        Digest digest = Digest.Parse(descriptor.Digest);
        string name = ArchiveBlobSource.LayoutName(digest);
        if (!files.Exists(name))
            throw new BlobVerificationException($"{what} {digest}: {files.Description} does not have it (looked for {name})");
        byte[] bytes = files.ReadAll(name, MaxJsonBytes);
        Digest actual = Digest.Of(bytes);
        if (actual != digest || bytes.Length != descriptor.Size)
            throw new BlobVerificationException($"{what} {digest} in {files.Description}: {bytes.Length} bytes with digest {actual}, index.json gives {descriptor.Size} bytes");
        return bytes;
    }

    private static ImageReference? NameOf(Dictionary<string, string>? annotations, List<string> bareTags)
    {
        if (annotations is null)
            return null;
        if (annotations.TryGetValue(ContainerdNameAnnotation, out string? full))
            return ImageReference.Parse(full);
        if (!annotations.TryGetValue(OciLayoutStore.RefNameAnnotation, out string? refName))
            return null;
        // OCI's ref name is usually a tag alone ("latest"), which names no repository.
        if (refName.IndexOfAny(['/', ':', '@']) < 0)
        {
            bareTags.Add(refName);
            return null;
        }
        return ImageReference.Parse(refName);
    }

    private static Dictionary<Digest, List<ImageReference>> DockerNamesByConfig(ArchiveFiles files)
    {
        var names = new Dictionary<Digest, List<ImageReference>>();
        foreach (DockerArchiveEntry entry in ReadDockerManifest(files))
        {
            if (Digest.TryParse(Digest.Sha256Prefix + Path.GetFileNameWithoutExtension(entry.Config), out Digest config))
                names[config] = (entry.RepoTags ?? []).Select(ImageReference.Parse).ToList();
        }
        return names;
    }

    private static List<DockerArchiveEntry> ReadDockerManifest(ArchiveFiles files) =>
        JsonFiles.Parse(files.ReadAll("manifest.json", MaxJsonBytes), ImageJsonContext.Default.ListDockerArchiveEntry, $"manifest.json of {files.Description}");

    /// <summary>
    /// A docker save archive without an OCI layout: a manifest is made for each image from its config and layer
    /// files. A plain layer tar's digest is its diff id (which the import then checks); a compressed one is hashed first.
    /// </summary>
    private List<Candidate> ReadDockerArchive(ArchiveFiles files, ArchiveBlobSource source)
    {
        var images = new List<Candidate>();
        foreach (DockerArchiveEntry entry in ReadDockerManifest(files))
        {
            byte[] configBytes = files.ReadAll(entry.Config, MaxJsonBytes);
            Digest configDigest = Digest.Of(configBytes);
            string named = Path.GetFileNameWithoutExtension(entry.Config);
            if (Digest.TryParse(Digest.Sha256Prefix + named, out Digest claimed) && claimed != configDigest)
                throw new BlobVerificationException($"config {entry.Config} in {files.Description}: content has digest {configDigest}");
            ImageConfig config = JsonFiles.Parse(configBytes, ImageJsonContext.Default.ImageConfig, $"config {entry.Config} of {files.Description}");
            List<string> diffIds = config.RootFs?.DiffIds ?? [];
            if (diffIds.Count != entry.Layers.Count)
                throw new ImageException($"{entry.Config} in {files.Description}: manifest.json lists {entry.Layers.Count} layers, the config {diffIds.Count} diff ids");
            source.Name(configDigest, entry.Config);
            var layers = new List<Descriptor>();
            for (int i = 0; i < entry.Layers.Count; i++)
            {
                string file = entry.Layers[i];
                LayerCompression compression;
                using (Stream head = files.Open(file))
                    compression = LayerDecompression.Sniff(head);
                Digest digest = compression == LayerCompression.None ? Digest.Parse(diffIds[i]) : HashOf(files, file);
                source.Name(digest, file);
                layers.Add(new Descriptor { MediaType = OciLayerType(compression), Digest = digest.ToString(), Size = files.Length(file) });
            }
            var manifest = new ImageManifest
            {
                SchemaVersion = 2,
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest.ToString(), Size = configBytes.Length },
                Layers = layers,
            };
            byte[] bytes = JsonFiles.Serialize(manifest, ImageJsonContext.Default.ImageManifest);
            var image = new Candidate(bytes, MediaTypes.OciManifest, null, $"{entry.Config} of {files.Description}");
            (entry.RepoTags ?? []).Select(ImageReference.Parse).ToList().ForEach(image.Name);
            images.Add(image);
            _progress.Message($"{entry.Config}: {layers.Count} layers");
        }
        return images;
    }

    private static Digest HashOf(ArchiveFiles files, string name)
    {
        using Stream stream = files.Open(name);
        return Digest.FromHash(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static string OciLayerType(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => MediaTypes.OciLayerTar,
    };
}
