using Strata.Image.Registry;

namespace Strata.Image.Import;

/// <summary>Blobs of one repository of a registry, streamed as the registry sends them (a failed transfer tried again by the client).</summary>
internal sealed class RegistryBlobSource : IBlobSource
{
    private readonly RegistryClient _client;
    private readonly string _repository;

    public RegistryBlobSource(RegistryClient client, string repository)
    {
        _client = client;
        _repository = repository;
    }

    public Task ReadAsync(Digest digest, long size, string what, Func<Stream, CancellationToken, Task> consume, CancellationToken cancel) =>
        _client.DownloadBlobAsync(_repository, digest, consume, cancel);
}
