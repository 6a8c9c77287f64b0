using System.Security.Cryptography;
using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>
/// The blobs of the store as an OCI image layout, which skopeo and umoci can read: every blob is written to
/// tmp/, checked against its digest and size, and only then renamed to <c>blobs/sha256/HEX</c>.
/// </summary>
public sealed class OciLayoutStore
{
    /// <summary>The annotation by which index.json names a manifest (what skopeo's oci:DIR:NAME uses).</summary>
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private readonly StoreLayout _layout;

    public OciLayoutStore(StoreLayout layout)
    {
        _layout = layout;
    }

    public void EnsureCreated()
    {
        _layout.EnsureCreated();
        if (!File.Exists(_layout.OciLayoutFile))
            JsonFiles.WriteAtomically(_layout.OciLayoutFile, JsonFiles.Serialize(new OciLayoutFile(), ImageJsonContext.Default.OciLayoutFile));
        if (!File.Exists(_layout.IndexFile))
            WriteIndex(new ImageIndex { MediaType = MediaTypes.OciIndex });
    }

    public bool Has(Digest digest, long size)
    {
        var info = new FileInfo(_layout.BlobPath(digest));
        return info.Exists && info.Length == size;
    }

    public string PathOf(Digest digest) => _layout.BlobPath(digest);

    public FileStream OpenRead(Digest digest) => new(_layout.BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    public byte[] ReadAll(Digest digest) => File.ReadAllBytes(_layout.BlobPath(digest));

    /// <summary>Stores a small blob held in memory (manifest, config) after checking its digest.</summary>
    public void Write(Digest digest, byte[] data, string what)
    {
        Digest actual = Digest.Of(data);
        if (actual != digest)
            throw new BlobVerificationException($"{what} {digest}: content has digest {actual}");
        if (Has(digest, data.Length))
            return;
        string temp = Path.Combine(_layout.TempDir, $"blob-{Guid.NewGuid():N}");
        try
        {
            JsonFiles.WriteAtomically(temp, data);
            File.Move(temp, _layout.BlobPath(digest), overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Copies a blob from a stream to the store, hashing as it goes; a short, long or wrong blob throws
    /// <see cref="BlobVerificationException"/> naming it, and nothing is left in blobs/.
    /// </summary>
    public async Task WriteAsync(Digest digest, long size, Stream source, string what, CancellationToken cancel)
    {
        // A manifest may claim any size; a registry that then streams forever must not fill the disk first.
        long free = Unpack.UnpackBudget.FreeBytes(_layout.TempDir);
        if (size > free)
            throw new ImageException($"{what} {digest}: the manifest gives {size} bytes, more than the {free} bytes the store {_layout.Root} can take");
        string temp = Path.Combine(_layout.TempDir, $"blob-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = await source.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                {
                    total += n;
                    // Stop a registry that streams forever as soon as it passes the promised size.
                    if (total > size)
                        throw new BlobVerificationException($"{what} {digest}: the registry sent more than the {size} bytes the manifest gives");
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                }
                output.Flush(flushToDisk: true);
            }
            if (total != size)
                throw new BlobVerificationException($"{what} {digest}: got {total} bytes, the manifest gives {size}");
            Digest actual = Digest.FromHash(hash.GetHashAndReset());
            if (actual != digest)
                throw new BlobVerificationException($"{what} {digest}: content has digest {actual}; the blob is corrupt or was tampered with");
            File.Move(temp, _layout.BlobPath(digest), overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public ImageIndex ReadIndex() =>
        JsonFiles.Parse(File.ReadAllBytes(_layout.IndexFile), ImageJsonContext.Default.ImageIndex, _layout.IndexFile);

    /// <summary>Names a manifest in index.json (replacing what had that name before).</summary>
    public void Tag(Descriptor manifest, string refName)
    {
        ImageIndex index = ReadIndex();
        index.Manifests.RemoveAll(m => m.Annotations is { } a && a.TryGetValue(RefNameAnnotation, out string? n) && n == refName);
        index.Manifests.Add(new Descriptor
        {
            MediaType = manifest.MediaType,
            Digest = manifest.Digest,
            Size = manifest.Size,
            Platform = manifest.Platform,
            Annotations = new Dictionary<string, string> { [RefNameAnnotation] = refName },
        });
        WriteIndex(index);
    }

    /// <summary>Drops every name of a manifest from index.json.</summary>
    public void Untag(Digest manifest)
    {
        ImageIndex index = ReadIndex();
        if (index.Manifests.RemoveAll(m => m.Digest == manifest.ToString()) > 0)
            WriteIndex(index);
    }

    /// <summary>The blobs index.json reaches: each manifest, its config and its layers.</summary>
    public ISet<Digest> Reachable()
    {
        var reached = new HashSet<Digest>();
        foreach (Descriptor descriptor in ReadIndex().Manifests)
        {
            Digest digest = Digest.Parse(descriptor.Digest);
            reached.Add(digest);
            string path = _layout.BlobPath(digest);
            if (!File.Exists(path))
                continue;
            ImageManifest manifest = JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.ImageManifest, path);
            if (manifest.Config is { } config)
                reached.Add(Digest.Parse(config.Digest));
            foreach (Descriptor layer in manifest.Layers ?? [])
                reached.Add(Digest.Parse(layer.Digest));
        }
        return reached;
    }

    /// <summary>Every blob in blobs/sha256 that nothing reaches is removed; returns how many.</summary>
    public int RemoveUnreachable(ISet<Digest> keep)
    {
        if (!Directory.Exists(_layout.BlobsDir))
            return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(_layout.BlobsDir))
        {
            if (Digest.TryParse(Digest.Sha256Prefix + Path.GetFileName(file), out Digest digest) && keep.Contains(digest))
                continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private void WriteIndex(ImageIndex index) =>
        JsonFiles.WriteAtomically(_layout.IndexFile, JsonFiles.Serialize(index, ImageJsonContext.Default.ImageIndex));
}
