using Strata.Image.Json;
using Strata.Image.Store;
using Strata.Image.Unpack;

namespace Strata.Image.Import;

/// <summary>One layer to fetch: where it sits in the image, its blob, and the diff id the config gives it.</summary>
internal sealed record LayerJob(int Index, Descriptor Descriptor, Digest Blob, LayerCompression Compression, Digest DiffId, Digest ChainId, Digest? Parent)
{
    public string What => $"layer {Index}";
}

/// <summary>A layer unpacked into its staging dir and verified, waiting to be moved into overlay2/ in order.</summary>
internal sealed class StagedLayer : IDisposable
{
    public StagedLayer(StagingDir staging, UnpackResult unpacked)
    {
        Staging = staging;
        Unpacked = unpacked;
    }

    public StagingDir Staging { get; }

    public UnpackResult Unpacked { get; }

    public void Dispose() => Staging.Dispose();
}

/// <summary>
/// Fetches and unpacks one layer in a single pass: the source's bytes go to the blob's temp file and its hash
/// (<see cref="BlobTeeStream"/>), through the decompressor and the diff-id hash, into the tar unpacker writing
/// a staging dir. Only when blob digest, size and diff id all check out does the blob move into blobs/; the
/// staging dir waits for its turn to move into overlay2/. Any failure removes both, so nothing is half-written.
/// </summary>
internal sealed class LayerFetcher
{
    private readonly OciLayoutStore _blobs;
    private readonly LayerStore _layers;
    private readonly IPullProgress _progress;
    private readonly UnpackOptions _unpack;

    public LayerFetcher(OciLayoutStore blobs, LayerStore layers, IPullProgress progress, UnpackOptions unpack)
    {
        _blobs = blobs;
        _layers = layers;
        _progress = progress;
        _unpack = unpack;
    }

    private void Report(LayerJob job, LayerState state, long done) =>
        _progress.Layer(new LayerProgress(job.Index, job.Blob, state, done, job.Descriptor.Size));

    public async Task<StagedLayer> FetchAsync(IBlobSource source, LayerJob job, CancellationToken cancel)
    {
        _blobs.EnsureRoom(job.Blob, job.Descriptor.Size, job.What);
        StagedLayer? staged = null;
        try
        {
            await source.ReadAsync(job.Blob, job.Descriptor.Size, job.What, async (body, c) =>
            {
                // A source that retries starts again from the first byte: so does the unpack.
                staged?.Dispose();
                staged = null;
                Report(job, LayerState.Downloading, 0);
                staged = await Task.Run(() => StreamOnce(body, job, c), c).ConfigureAwait(false);
            }, cancel).ConfigureAwait(false);
            Report(job, LayerState.Unpacked, job.Descriptor.Size);
            return staged ?? throw new ImageException($"{job.What} blob {job.Blob}: the source handed over no data");
        }
        catch
        {
            staged?.Dispose();
            throw;
        }
    }

    /// <summary>Unpacks a layer whose blob the store already has (no download).</summary>
    public Task<StagedLayer> ExtractAsync(LayerJob job, CancellationToken cancel) => Task.Run(() =>
    {
        Report(job, LayerState.Extracting, 0);
        StagingDir staging = _layers.BeginLayer();
        try
        {
            using FileStream blob = _blobs.OpenRead(job.Blob);
            UnpackResult unpacked = Unpack(blob, job, staging, _unpack, blobCheck: null, cancel);
            Report(job, LayerState.Unpacked, job.Descriptor.Size);
            return new StagedLayer(staging, unpacked);
        }
        catch
        {
            staging.Dispose();
            throw;
        }
    }, cancel);

    private StagedLayer StreamOnce(Stream body, LayerJob job, CancellationToken cancel)
    {
        StagingDir staging = _layers.BeginLayer();
        string temp = _blobs.TempBlobPath();
        try
        {
            UnpackResult unpacked;
            using (var copy = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var tee = new BlobTeeStream(body, copy, job.Blob, job.Descriptor.Size, job.What, done => Report(job, LayerState.Downloading, done), cancel))
            {
                unpacked = Unpack(tee, job, staging, _unpack, tee.CheckAfterFailure, cancel);
                tee.Finish();
            }
            _blobs.PlaceVerified(temp, job.Blob);
            return new StagedLayer(staging, unpacked);
        }
        catch
        {
            staging.Dispose();
            throw;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Decompresses, hashes and unpacks the blob into the staging dir and checks the diff id. When that fails
    /// and <paramref name="blobCheck"/> finds the blob itself is not the one promised, that is the error.
    /// </summary>
    private static UnpackResult Unpack(Stream blob, LayerJob job, StagingDir staging, UnpackOptions options, Func<BlobVerificationException?>? blobCheck, CancellationToken cancel)
    {
        string what = $"{job.What} blob {job.Blob}";
        Stream decompressed = LayerDecompression.Open(blob, job.Compression, leaveOpen: true);
        var tar = new HashingReadStream(decompressed, leaveOpen: true);
        try
        {
            UnpackResult unpacked;
            Digest diffId;
            try
            {
                unpacked = LayerUnpacker.Unpack(tar, Path.Combine(staging.Path, "diff"), options);
                diffId = tar.Finish();
            }
            catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException or ImageException && e is not BlobVerificationException)
            {
                cancel.ThrowIfCancellationRequested();
                if (blobCheck?.Invoke() is { } corrupt)
                    throw corrupt;
                throw e switch
                {
                    HostileLayerException => new HostileLayerException($"{what}: {e.Message}", e),
                    ImageException => new ImageException($"{what}: {e.Message}", e),
                    _ => new ImageException($"{what}: cannot decompress ({job.Compression}): {e.Message}", e),
                };
            }
            if (diffId != job.DiffId)
            {
                if (blobCheck?.Invoke() is { } corrupt)
                    throw corrupt;
                throw new BlobVerificationException($"{what}: uncompressed content has diff id {diffId}, the config says {job.DiffId}");
            }
            return unpacked;
        }
        finally
        {
            tar.Dispose();
            // The blob stays open for its owner (a plain tar is the blob itself).
            if (!ReferenceEquals(decompressed, blob))
                decompressed.Dispose();
        }
    }
}
