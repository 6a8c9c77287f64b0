using Strata.Image.Json;
using Strata.Image.Registry;
using Strata.Image.Store;
using Strata.Image.Import;
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

    /// <summary>HTTPS (even for localhost and 127.0.0.1) without checking the registry's certificate.</summary>
    public bool Insecure { get; init; }

    /// <summary>How many layers are fetched at once.</summary>
    public int MaxConcurrentDownloads { get; init; } = ImageImporter.DefaultMaxConcurrentDownloads;

    public HttpMessageHandler? Handler { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    public UnpackOptions Unpack { get; init; } = UnpackOptions.Default;
}

/// <summary>
/// Pulls an image into the store: fetches the manifest (resolving an index to the platform) from the registry
/// and hands it to the <see cref="ImageImporter"/>, which fetches, verifies and unpacks config and layers.
/// </summary>
public sealed class Puller
{
    private readonly StoreLayout _layout;
    private readonly IPullProgress _progress;

    public Puller(StoreLayout layout, IPullProgress? progress = null)
    {
        _layout = layout;
        _progress = progress ?? SilentProgress.Instance;
    }

    public async Task<PullResult> PullAsync(ImageReference reference, PullOptions options, CancellationToken cancel = default)
    {
        using StoreLock storeLock = ImageImporter.LockStore(_layout, _progress);
        DockerCredentials? credentials = DockerCredentials.Find(reference.Registry, options.DockerConfigPath);
        if (options.Insecure && options.PlainHttp)
            throw new ImageException("give --plain-http or --insecure, not both: one is HTTP, the other HTTPS without certificate checks");
        using var client = new RegistryClient(reference.Registry, options.PlainHttp, credentials, options.Handler, options.Retry, options.Insecure);
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
            _progress.Message($"{reference}: index, platform {options.Platform} -> {chosen}");
            manifestResponse = await client.GetManifestAsync(repository, chosen.ToString(), cancel).ConfigureAwait(false);
            if (manifestResponse.Digest != chosen || manifestResponse.Bytes.Length != manifestDescriptor.Size)
                throw new BlobVerificationException($"manifest {chosen} of {reference}: the registry sent {manifestResponse.Bytes.Length} bytes with digest {manifestResponse.Digest}");
            if (!MediaTypes.IsManifest(manifestResponse.MediaType))
                throw new ImageException($"manifest {chosen} of {reference}: an index inside an index is not supported");
        }
        var request = new ImportRequest(manifestResponse.Bytes, manifestResponse.MediaType, manifestDescriptor.Platform, [reference], reference.ToString());
        var importer = new ImageImporter(_layout, _progress, options.MaxConcurrentDownloads, options.Unpack);
        return await importer.ImportAsync(new RegistryBlobSource(client, repository), request, cancel).ConfigureAwait(false);
    }
}
