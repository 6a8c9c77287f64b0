using Strata.Image.Json;
using Strata.Image.Registry;
using Strata.Image.Store;
using Strata.Image.Unpack;

namespace Strata.Image;

/// <summary>How to pull: which platform out of an index, plain HTTP, credentials, and (for tests) the HTTP handler.</summary>
public sealed record PullOptions
{
    public Platform Platform { get; init; } = Platform.Host;

    /// <summary>Plain HTTP even for a non-loopback registry (localhost and 127.0.0.1 get it anyway).</summary>
    public bool PlainHttp { get; init; }

    /// <summary>Where to look for credentials; null means ~/.docker/config.json (or $DOCKER_CONFIG).</summary>
    public string? DockerConfigPath { get; init; }

    public HttpMessageHandler? Handler { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    public UnpackOptions Unpack { get; init; } = UnpackOptions.Default;
}

/// <summary>What a pull stored: the image, its manifest digest, and which layers were fetched versus already there.</summary>
public sealed record PullResult(ImageRecord Image, int LayersDownloaded, int LayersPresent);

/// <summary>
/// Pulls an image into the store: resolves an index to the platform, fetches config and layer blobs into
/// the OCI layout (each verified against digest and size), unpacks each missing layer into a staging dir,
/// checks its diff id against the config, and only then moves it into overlay2/. The image record and tag
/// come last, so a failed pull leaves no half-written layer and no image that points at one.
/// </summary>
public sealed class Puller
{
    private readonly StoreLayout _layout;
    private readonly OciLayoutStore _blobs;
    private readonly LayerStore _layers;
    private readonly ImageStore _images;
    private readonly TextWriter _progress;

    public Puller(StoreLayout layout, TextWriter? progress = null)
    {
        _layout = layout;
        _blobs = new OciLayoutStore(layout);
        _layers = new LayerStore(layout);
        _images = new ImageStore(layout);
        _progress = progress ?? TextWriter.Null;
    }

    public async Task<PullResult> PullAsync(ImageReference reference, PullOptions options, CancellationToken cancel = default)
    {
        using var storeLock = StoreLock.Acquire(_layout, TimeSpan.FromMinutes(10), _progress);
        _blobs.EnsureCreated();
        StoreLock.ClearStaging(_layout);
        DockerCredentials? credentials = DockerCredentials.Find(reference.Registry, options.DockerConfigPath);
        using var client = new RegistryClient(reference.Registry, options.PlainHttp, credentials, options.Handler, options.Retry);
        string repository = reference.Repository;

        ManifestResponse top = await client.GetManifestAsync(repository, reference.ManifestReference, cancel).ConfigureAwait(false);
        if (reference.Digest is { } pinned && top.Digest != pinned)
            throw new BlobVerificationException($"manifest {reference}: the registry sent content with digest {top.Digest}");
        ManifestResponse manifestResponse = top;
        Descriptor manifestDescriptor = new() { MediaType = top.MediaType, Digest = top.Digest.ToString(), Size = top.Bytes.Length };
        if (MediaTypes.IsIndex(top.MediaType))
        {
            ImageIndex index = JsonFiles.Parse(top.Bytes, ImageJsonContext.Default.ImageIndex, $"index {reference}");
            ManifestChecks.CheckIndex(index, $"index {reference}");
            manifestDescriptor = options.Platform.Select(index, $"index {reference}");
            Digest chosen = Digest.Parse(manifestDescriptor.Digest);
            _progress.WriteLine($"{reference}: index, platform {options.Platform} -> {chosen}");
            manifestResponse = await client.GetManifestAsync(repository, chosen.ToString(), cancel).ConfigureAwait(false);
            if (manifestResponse.Digest != chosen || manifestResponse.Bytes.Length != manifestDescriptor.Size)
                throw new BlobVerificationException($"manifest {chosen} of {reference}: the registry sent {manifestResponse.Bytes.Length} bytes with digest {manifestResponse.Digest}");
            if (!MediaTypes.IsManifest(manifestResponse.MediaType))
                throw new ImageException($"manifest {chosen} of {reference}: an index inside an index is not supported");
        }
        ImageManifest manifest = JsonFiles.Parse(manifestResponse.Bytes, ImageJsonContext.Default.ImageManifest, $"manifest {reference}");
        ManifestChecks.CheckManifest(manifest, $"manifest {reference}");

        Digest configDigest = Digest.Parse(manifest.Config!.Digest);
        await FetchBlobAsync(client, repository, configDigest, manifest.Config.Size, "config", cancel).ConfigureAwait(false);
        byte[] configBytes = _blobs.ReadAll(configDigest);
        ImageConfig config = JsonFiles.Parse(configBytes, ImageJsonContext.Default.ImageConfig, $"config {configDigest}");
        IReadOnlyList<Digest> diffIds = ManifestChecks.DiffIds(config, manifest.Layers!.Count, $"config {configDigest} of {reference}");

        int downloaded = 0, present = 0;
        long size = 0;
        var chainIds = new List<string>();
        Digest? parent = null;
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            Descriptor layer = manifest.Layers[i];
            Digest diffId = diffIds[i];
            Digest chainId = ChainId.Next(parent, diffId);
            LayerRecord? record = _layers.Find(chainId);
            if (record is null)
            {
                record = await PullLayerAsync(client, repository, layer, i, diffId, chainId, parent, options.Unpack, cancel).ConfigureAwait(false);
                downloaded++;
            }
            else
            {
                _progress.WriteLine($"layer {i} {layer.Digest}: already present");
                present++;
            }
            size += record.Size;
            chainIds.Add(chainId.ToString());
            parent = chainId;
        }

        _blobs.Write(manifestResponse.Digest, manifestResponse.Bytes, "manifest");
        manifestDescriptor = new Descriptor
        {
            MediaType = manifestResponse.MediaType,
            Digest = manifestResponse.Digest.ToString(),
            Size = manifestResponse.Bytes.Length,
            Platform = manifestDescriptor.Platform,
        };
        var image = new ImageRecord
        {
            Id = configDigest.ToString(),
            ManifestDigest = manifestResponse.Digest.ToString(),
            ManifestMediaType = manifestResponse.MediaType,
            Created = config.Created,
            Layers = chainIds,
            Size = size,
        };
        _images.Save(image);
        _blobs.Tag(manifestDescriptor, reference.ToString());
        _images.Tag(reference, configDigest);
        _progress.WriteLine($"{reference}: image {configDigest}");
        return new PullResult(image, downloaded, present);
    }

    private async Task<LayerRecord> PullLayerAsync(RegistryClient client, string repository, Descriptor layer, int index,
        Digest diffId, Digest chainId, Digest? parent, UnpackOptions unpackOptions, CancellationToken cancel)
    {
        Digest blobDigest = Digest.Parse(layer.Digest);
        LayerCompression compression = MediaTypes.LayerCompressionOf(layer.MediaType);
        await FetchBlobAsync(client, repository, blobDigest, layer.Size, $"layer {index}", cancel).ConfigureAwait(false);
        using StagingDir staging = _layers.BeginLayer();
        UnpackResult unpacked;
        Digest actualDiffId;
        await using (FileStream blob = _blobs.OpenRead(blobDigest))
        {
            using var tar = new HashingReadStream(LayerDecompression.Open(blob, compression));
            try
            {
                unpacked = LayerUnpacker.Unpack(tar, Path.Combine(staging.Path, "diff"), unpackOptions);
                actualDiffId = tar.Finish();
            }
            catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
            {
                throw new ImageException($"layer {index} blob {blobDigest}: cannot decompress ({compression}): {e.Message}", e);
            }
            catch (HostileLayerException e)
            {
                throw new HostileLayerException($"layer {index} blob {blobDigest}: {e.Message}", e);
            }
            catch (ImageException e) when (e is not BlobVerificationException)
            {
                throw new ImageException($"layer {index} blob {blobDigest}: {e.Message}", e);
            }
        }
        if (actualDiffId != diffId)
            throw new BlobVerificationException($"layer {index} blob {blobDigest}: uncompressed content has diff id {actualDiffId}, the config says {diffId}");
        LayerRecord record = _layers.Commit(staging, chainId, diffId, parent, unpacked.Size, blobDigest);
        _progress.WriteLine($"layer {index} {blobDigest}: unpacked ({unpacked.Entries} entries, {unpacked.Size} bytes)");
        return record;
    }

    private async Task FetchBlobAsync(RegistryClient client, string repository, Digest digest, long size, string what, CancellationToken cancel)
    {
        if (_blobs.Has(digest, size))
            return;
        await client.DownloadBlobAsync(repository, digest, (body, c) => _blobs.WriteAsync(digest, size, body, what, c), cancel).ConfigureAwait(false);
    }
}
