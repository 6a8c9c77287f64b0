using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Unpack;

namespace Strata.Image.Import;

/// <summary>
/// One image to import: its manifest as the source has it (the bytes are its identity), the platform the
/// index gave it, the names to tag it with (none: an unnamed image), and how errors should name it.
/// </summary>
public sealed record ImportRequest(byte[] Manifest, string MediaType, PlatformSpec? Platform, IReadOnlyList<ImageReference> Names, string What);

/// <summary>
/// Imports an image from a blob source into the store, the part pull and load share: fetches the config
/// and each missing layer into the OCI layout (each verified against digest and size), unpacks the layer
/// into a staging dir, checks its diff id against the config, and only then moves it into overlay2/. The
/// image record and names come last, so a failed import leaves no half-written layer and no image that points
/// at one. The caller holds the store lock (<see cref="LockStore"/>).
/// </summary>
public sealed class ImageImporter
{
    private readonly OciLayoutStore _blobs;
    private readonly LayerStore _layers;
    private readonly ImageStore _images;
    private readonly TextWriter _progress;
    private readonly UnpackOptions _unpack;

    public ImageImporter(StoreLayout layout, TextWriter? progress = null, UnpackOptions? unpack = null)
    {
        _unpack = unpack ?? UnpackOptions.Default;
        _blobs = new OciLayoutStore(layout);
        _layers = new LayerStore(layout);
        _images = new ImageStore(layout);
        _progress = progress ?? TextWriter.Null;
    }

    /// <summary>Takes the store's lock, makes the store if need be, and clears what an interrupted writer left.</summary>
    public static StoreLock LockStore(StoreLayout layout, TextWriter? progress = null)
    {
        var storeLock = StoreLock.Acquire(layout, TimeSpan.FromMinutes(10), progress);
        try
        {
            new OciLayoutStore(layout).EnsureCreated();
            StoreLock.ClearStaging(layout);
            return storeLock;
        }
        catch
        {
            storeLock.Dispose();
            throw;
        }
    }

    public async Task<PullResult> ImportAsync(IBlobSource source, ImportRequest request, CancellationToken cancel = default)
    {
        Digest manifestDigest = Digest.Of(request.Manifest);
        ImageManifest manifest = JsonFiles.Parse(request.Manifest, ImageJsonContext.Default.ImageManifest, $"manifest {request.What}");
        ManifestChecks.CheckManifest(manifest, $"manifest {request.What}");

        Digest configDigest = Digest.Parse(manifest.Config!.Digest);
        await FetchBlobAsync(source, configDigest, manifest.Config.Size, "config", cancel).ConfigureAwait(false);
        byte[] configBytes = _blobs.ReadAll(configDigest);
        ImageConfig config = JsonFiles.Parse(configBytes, ImageJsonContext.Default.ImageConfig, $"config {configDigest}");
        IReadOnlyList<Digest> diffIds = ManifestChecks.DiffIds(config, manifest.Layers!.Count, $"config {configDigest} of {request.What}");

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
                record = await ImportLayerAsync(source, layer, i, diffId, chainId, parent, cancel).ConfigureAwait(false);
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

        _blobs.Write(manifestDigest, request.Manifest, "manifest");
        var manifestDescriptor = new Descriptor
        {
            MediaType = request.MediaType,
            Digest = manifestDigest.ToString(),
            Size = request.Manifest.Length,
            Platform = request.Platform,
        };
        var image = new ImageRecord
        {
            Id = configDigest.ToString(),
            ManifestDigest = manifestDigest.ToString(),
            ManifestMediaType = request.MediaType,
            Created = config.Created,
            Layers = chainIds,
            Size = size,
        };
        _images.Save(image);
        if (request.Names.Count == 0)
            _blobs.AddUnnamed(manifestDescriptor);
        foreach (ImageReference name in request.Names)
        {
            _blobs.Tag(manifestDescriptor, name.ToString());
            _images.Tag(name, configDigest);
        }
        _progress.WriteLine($"{request.What}: image {configDigest}");
        return new PullResult(image, downloaded, present);
    }

    private async Task<LayerRecord> ImportLayerAsync(IBlobSource source, Descriptor layer, int index,
        Digest diffId, Digest chainId, Digest? parent, CancellationToken cancel)
    {
        Digest blobDigest = Digest.Parse(layer.Digest);
        LayerCompression compression = MediaTypes.LayerCompressionOf(layer.MediaType);
        await FetchBlobAsync(source, blobDigest, layer.Size, $"layer {index}", cancel).ConfigureAwait(false);
        using StagingDir staging = _layers.BeginLayer();
        UnpackResult unpacked;
        Digest actualDiffId;
        await using (FileStream blob = _blobs.OpenRead(blobDigest))
        {
            using var tar = new HashingReadStream(LayerDecompression.Open(blob, compression));
            try
            {
                unpacked = LayerUnpacker.Unpack(tar, Path.Combine(staging.Path, "diff"), _unpack);
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

    private async Task FetchBlobAsync(IBlobSource source, Digest digest, long size, string what, CancellationToken cancel)
    {
        if (_blobs.Has(digest, size))
            return;
        await source.ReadAsync(digest, size, what, (body, c) => _blobs.WriteAsync(digest, size, body, what, c), cancel).ConfigureAwait(false);
    }
}
