namespace Strata.Image.Import;

/// <summary>
/// Blobs of an archive: by the file a docker save manifest names for them, else at <c>blobs/sha256/HEX</c>
/// (the OCI image layout). The importer verifies them as it verifies a registry's.
/// </summary>
internal sealed class ArchiveBlobSource : IBlobSource
{
    private readonly ArchiveFiles _files;
    private readonly Dictionary<Digest, string> _names = [];

    public ArchiveBlobSource(ArchiveFiles files)
    {
        _files = files;
    }

    public static string LayoutName(Digest digest) => $"blobs/sha256/{digest.Hex}";

    public void Name(Digest digest, string file) => _names[digest] = file;

    public async Task ReadAsync(Digest digest, long size, string what, Func<Stream, CancellationToken, Task> consume, CancellationToken cancel)
    {
        string name = _names.TryGetValue(digest, out string? file) ? file : LayoutName(digest);
        if (!_files.Exists(name))
            throw new BlobVerificationException($"{what} {digest}: {_files.Description} does not have it (looked for {name})");
        await using Stream blob = _files.Open(name);
        await consume(blob, cancel).ConfigureAwait(false);
    }
}
