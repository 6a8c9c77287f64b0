namespace Strata.Image;

/// <summary>The manifest, config and layer media types of OCI and of Docker's schema 2.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";

    /// <summary>
    /// Everything we can read, always sent whole: distribution 2.8 answers an OCI manifest with 404 when its
    /// type is missing, and downgrades a Docker manifest to schema 1 when Accept is empty.
    /// </summary>
    public static readonly IReadOnlyList<string> ManifestAccept = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    public static LayerCompression LayerCompressionOf(string mediaType) => mediaType switch
    {
        OciLayerGzip or DockerLayerGzip => LayerCompression.Gzip,
        OciLayerZstd => LayerCompression.Zstd,
        OciLayerTar or DockerLayerTar => LayerCompression.None,
        _ => throw new ImageException($"unsupported layer media type '{mediaType}'"),
    };
}

public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}
