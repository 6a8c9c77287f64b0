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
/// Imports an image from a blob source into the store, the part pull and load share: the config first, then
/// every missing layer, a bounded number at once, each streamed through digest, decompression, diff id and
/// untar into a staging dir in one pass (<see cref="LayerFetcher"/>); a layer the store has is not fetched,
/// and a blob it has is only unpacked. Staged layers move into overlay2/ bottom up, each once those below it
/// are in; the image record and names come last. A failure stops the other transfers and removes their
/// staging dirs, so nothing half-written stays. The caller holds the store lock (<see cref="LockStore"/>).
/// </summary>
public sealed class ImageImporter
{
    public const int DefaultMaxConcurrentDownloads = 3;

    private readonly OciLayoutStore _blobs;
    private readonly LayerStore _layers;
    private readonly ImageStore _images;
    private readonly IPullProgress _progress;
    private readonly LayerFetcher _fetcher;
    private readonly int _maxConcurrent;

    /// <param name="layout">The store.</param>
    /// <param name="progress">Where to report; null reports nothing.</param>
    /// <param name="maxConcurrentDownloads">How many layers are fetched at once.</param>
    /// <param name="unpack">What the layers may hold (device nodes) and the bounds of unpacking them.</param>
    public ImageImporter(StoreLayout layout, IPullProgress? progress = null, int maxConcurrentDownloads = DefaultMaxConcurrentDownloads, UnpackOptions? unpack = null)
    {
        if (maxConcurrentDownloads < 1)
            throw new ArgumentOutOfRangeException(nameof(maxConcurrentDownloads), "at least one download at a time");
        _blobs = new OciLayoutStore(layout);
        _layers = new LayerStore(layout);
        _images = new ImageStore(layout);
        _progress = progress ?? SilentProgress.Instance;
        _fetcher = new LayerFetcher(_blobs, _layers, _progress, unpack ?? UnpackOptions.Default);
        _maxConcurrent = maxConcurrentDownloads;
    }

    /// <summary>Takes the store's lock, makes the store if need be, and clears what an interrupted writer left.</summary>
    public static StoreLock LockStore(StoreLayout layout, IPullProgress? progress = null)
    {
        var storeLock = StoreLock.Acquire(layout, TimeSpan.FromMinutes(10), progress is null ? null : progress.Message);
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
        await FetchSmallBlobAsync(source, configDigest, manifest.Config.Size, "config", cancel).ConfigureAwait(false);
        byte[] configBytes = _blobs.ReadAll(configDigest);
        ImageConfig config = JsonFiles.Parse(configBytes, ImageJsonContext.Default.ImageConfig, $"config {configDigest}");
        IReadOnlyList<Digest> diffIds = ManifestChecks.DiffIds(config, manifest.Layers!.Count, $"config {configDigest} of {request.What}");

        List<LayerJob> plan = Plan(manifest.Layers, diffIds);
        (IReadOnlyList<LayerRecord> records, int fetched) = await FetchLayersAsync(source, plan, cancel).ConfigureAwait(false);

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
            Layers = plan.Select(j => j.ChainId.ToString()).ToList(),
            Size = records.Sum(r => r.Size),
        };
        _images.Save(image);
        if (request.Names.Count == 0)
            _blobs.AddUnnamed(manifestDescriptor);
        foreach (ImageReference name in request.Names)
        {
            _blobs.Tag(manifestDescriptor, name.ToString());
            _images.Tag(name, configDigest);
        }
        _progress.Message($"{request.What}: image {configDigest}");
        return new PullResult(image, fetched, plan.Count - fetched);
    }

    private static List<LayerJob> Plan(List<Descriptor> layers, IReadOnlyList<Digest> diffIds)
    {
        var plan = new List<LayerJob>(layers.Count);
        Digest? parent = null;
        for (int i = 0; i < layers.Count; i++)
        {
            Descriptor layer = layers[i];
            Digest diffId = diffIds[i];
            Digest chainId = ChainId.Next(parent, diffId);
            plan.Add(new LayerJob(i, layer, Digest.Parse(layer.Digest), MediaTypes.LayerCompressionOf(layer.MediaType), diffId, chainId, parent));
            parent = chainId;
        }
        return plan;
    }

    /// <summary>Fetches the missing layers in parallel and commits them bottom up; returns every layer's record and how many were fetched.</summary>
    private async Task<(IReadOnlyList<LayerRecord> Records, int Fetched)> FetchLayersAsync(IBlobSource source, List<LayerJob> plan, CancellationToken cancel)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var slots = new SemaphoreSlim(_maxConcurrent);
        var tasks = new Task<StagedLayer>?[plan.Count];
        // The first layer with a given blob fetches it; another layer of the same blob unpacks the stored copy after it.
        var firstWithBlob = new Dictionary<Digest, Task<StagedLayer>>();
        foreach (LayerJob job in plan)
        {
            if (_layers.Find(job.ChainId) is not null)
            {
                _progress.Layer(new LayerProgress(job.Index, job.Blob, LayerState.Exists, job.Descriptor.Size, job.Descriptor.Size));
                continue;
            }
            _progress.Layer(new LayerProgress(job.Index, job.Blob, LayerState.Waiting, 0, job.Descriptor.Size));
            Task<StagedLayer>? earlier = firstWithBlob.GetValueOrDefault(job.Blob);
            Task<StagedLayer> task = RunAsync(source, job, earlier, slots, failFast);
            tasks[job.Index] = task;
            firstWithBlob.TryAdd(job.Blob, task);
        }

        var records = new List<LayerRecord>(plan.Count);
        int fetched = 0;
        try
        {
            foreach (LayerJob job in plan)
            {
                if (tasks[job.Index] is not { } task)
                {
                    records.Add(_layers.Get(job.ChainId));
                    continue;
                }
                using StagedLayer staged = await task.ConfigureAwait(false);
                records.Add(_layers.Commit(staged.Staging, job.ChainId, job.DiffId, job.Parent, staged.Unpacked.Size, job.Blob));
                fetched++;
                _progress.Layer(new LayerProgress(job.Index, job.Blob, LayerState.Complete, job.Descriptor.Size, job.Descriptor.Size));
            }
            return (records, fetched);
        }
        catch (Exception first)
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            Exception cause = await SettleAsync(tasks, first).ConfigureAwait(false);
            if (cause == first)
                throw;
            throw cause;
        }
    }

    private async Task<StagedLayer> RunAsync(IBlobSource source, LayerJob job, Task<StagedLayer>? earlier, SemaphoreSlim slots, CancellationTokenSource failFast)
    {
        try
        {
            if (earlier is not null)
            {
                // Only its completion matters: the earlier layer's staging is its own.
                await ((Task)earlier).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                failFast.Token.ThrowIfCancellationRequested();
            }
            await slots.WaitAsync(failFast.Token).ConfigureAwait(false);
            try
            {
                return _blobs.Has(job.Blob, job.Descriptor.Size)
                    ? await _fetcher.ExtractAsync(job, failFast.Token).ConfigureAwait(false)
                    : await _fetcher.FetchAsync(source, job, failFast.Token).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }
        catch (Exception e)
        {
            if (!failFast.IsCancellationRequested)
            {
                _progress.Layer(new LayerProgress(job.Index, job.Blob, LayerState.Failed, 0, job.Descriptor.Size, e.Message));
                // One failed layer fails the image: the others stop rather than finish for nothing.
                await failFast.CancelAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>
    /// Waits for every transfer to end and removes what the ones that finished staged; returns the error to
    /// report: the lowest layer's own failure (not a cancellation that failure caused), else <paramref name="first"/>.
    /// </summary>
    private static async Task<Exception> SettleAsync(Task<StagedLayer>?[] tasks, Exception first)
    {
        Exception? cause = null;
        foreach (Task<StagedLayer>? task in tasks)
        {
            if (task is null)
                continue;
            try
            {
                (await task.ConfigureAwait(false)).Dispose();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                cause ??= e;
            }
            catch (OperationCanceledException)
            {
            }
        }
        return cause ?? first;
    }

    /// <summary>A config (or other small blob) into blobs/, verified, unless the store has it.</summary>
    private async Task FetchSmallBlobAsync(IBlobSource source, Digest digest, long size, string what, CancellationToken cancel)
    {
        if (_blobs.Has(digest, size))
            return;
        await source.ReadAsync(digest, size, what, (body, c) => _blobs.WriteAsync(digest, size, body, what, c), cancel).ConfigureAwait(false);
    }
}
