namespace Strata.Image.Store;

/// <summary>
/// Where everything lives under the store root: the OCI image layout (<c>oci-layout</c>, <c>index.json</c>,
/// <c>blobs/sha256</c>), the overlay2 tree, the layer and image DBs, and <c>tmp/</c> for staging (inside the
/// root so that a finished item is renamed into place on the same filesystem).
/// </summary>
public sealed class StoreLayout
{
    public const string DefaultRoot = "/var/lib/strata";

    public StoreLayout(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string OciLayoutFile => Path.Combine(Root, "oci-layout");

    public string IndexFile => Path.Combine(Root, "index.json");

    public string BlobsDir => Path.Combine(Root, "blobs", "sha256");

    public string Overlay2Dir => Path.Combine(Root, "overlay2");

    public string ShortLinksDir => Path.Combine(Overlay2Dir, "l");

    public string LayerDbDir => Path.Combine(Root, "layerdb", "sha256");

    public string ImageDbDir => Path.Combine(Root, "imagedb", "sha256");

    public string RepositoriesFile => Path.Combine(Root, "repositories.json");

    public string TempDir => Path.Combine(Root, "tmp");

    /// <summary>A record per writable layer mounted over an image (see ContainerStore).</summary>
    public string ContainersDir => Path.Combine(Root, "containers");

    public string BlobPath(Digest digest) => Path.Combine(BlobsDir, digest.Hex);

    /// <summary>The root from --root, else $STRATA_ROOT, else /var/lib/strata.</summary>
    public static string ResolveRoot(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("STRATA_ROOT") is { Length: > 0 } env ? env : DefaultRoot);

    public void EnsureCreated()
    {
        foreach (string dir in new[] { BlobsDir, ShortLinksDir, LayerDbDir, ImageDbDir, TempDir, ContainersDir })
            Directory.CreateDirectory(dir);
    }

    /// <summary>A fresh dir under tmp/ for one item being written; removed on dispose unless moved away.</summary>
    public StagingDir CreateStaging(string purpose) => new(Path.Combine(TempDir, $"{purpose}-{Guid.NewGuid():N}"));
}

/// <summary>A temp dir inside the store root; whatever is still in it at dispose is deleted, so a failed step leaves nothing.</summary>
public sealed class StagingDir : IDisposable
{
    public StagingDir(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path))
            TreeDeleter.Delete(Path);
    }
}
