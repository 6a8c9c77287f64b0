namespace Strata.Image.Import;

/// <summary>Where an import reads an image's blobs from: a registry, or an archive or layout on disk.</summary>
public interface IBlobSource
{
    /// <summary>
    /// Hands the blob's bytes to <paramref name="consume"/>, which checks digest and size as it reads them. A
    /// source that retries a failed transfer calls it again from the start, so it must begin afresh each time.
    /// </summary>
    Task ReadAsync(Digest digest, long size, string what, Func<Stream, CancellationToken, Task> consume, CancellationToken cancel);
}
