using System.IO.Compression;
using Strata.Image.Json;

namespace Strata.Image.Tests.Support;

/// <summary>One layer as pushed: the blob, its media type, and the diff id of the tar inside.</summary>
public sealed record TestLayer(byte[] Blob, string MediaType, Digest DiffId)
{
    public Digest BlobDigest => Digest.Of(Blob);

    public static TestLayer From(byte[] tar, LayerCompression compression, bool oci)
    {
        byte[] blob = compression switch
        {
            LayerCompression.Gzip => Gzip(tar),
            LayerCompression.Zstd => Zstd(tar),
            _ => tar,
        };
        string mediaType = (compression, oci) switch
        {
            (LayerCompression.Gzip, true) => MediaTypes.OciLayerGzip,
            (LayerCompression.Zstd, _) => MediaTypes.OciLayerZstd,
            (LayerCompression.None, true) => MediaTypes.OciLayerTar,
            (LayerCompression.Gzip, false) => MediaTypes.DockerLayerGzip,
            _ => MediaTypes.DockerLayerTar,
        };
        return new TestLayer(blob, mediaType, Digest.Of(tar));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Zstd(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zstd = new ZstdSharp.CompressionStream(output, 3, leaveOpen: true))
            zstd.Write(data);
        return output.ToArray();
    }
}

/// <summary>An image the tests build themselves: layers, a config with their diff ids and history, a manifest.</summary>
public sealed class TestImage
{
    public TestImage(IReadOnlyList<TestLayer> layers, bool oci, string architecture, IReadOnlyList<Digest>? diffIdsOverride = null)
    {
        Layers = layers;
        Oci = oci;
        var config = new ImageConfig
        {
            Created = TarBuilder.Time,
            Architecture = architecture,
            Os = "linux",
            RootFs = new RootFs { DiffIds = (diffIdsOverride ?? layers.Select(l => l.DiffId).ToList()).Select(d => d.ToString()).ToList() },
            History = layers.Select((l, i) => new HistoryEntry { Created = TarBuilder.Time, CreatedBy = $"step {i}" }).ToList(),
        };
        Config = JsonFiles.Serialize(config, ImageJsonContext.Default.ImageConfig);
        var manifest = new ImageManifest
        {
            SchemaVersion = 2,
            MediaType = ManifestMediaType,
            Config = new Descriptor { MediaType = oci ? MediaTypes.OciConfig : MediaTypes.DockerConfig, Digest = Digest.Of(Config).ToString(), Size = Config.Length },
            Layers = layers.Select(l => new Descriptor { MediaType = l.MediaType, Digest = l.BlobDigest.ToString(), Size = l.Blob.Length }).ToList(),
        };
        Manifest = JsonFiles.Serialize(manifest, ImageJsonContext.Default.ImageManifest);
    }

    public IReadOnlyList<TestLayer> Layers { get; }

    public bool Oci { get; }

    public byte[] Config { get; }

    public byte[] Manifest { get; }

    public string ManifestMediaType => Oci ? MediaTypes.OciManifest : MediaTypes.DockerManifest;

    public Digest ConfigDigest => Digest.Of(Config);

    public Digest ManifestDigest => Digest.Of(Manifest);

    /// <summary>Pushes blobs, config and manifest; tag null pushes the manifest by digest only.</summary>
    public Digest Push(RegistryPusher pusher, string repository, string? tag)
    {
        foreach (TestLayer layer in Layers)
            pusher.PushBlob(repository, layer.Blob);
        pusher.PushBlob(repository, Config);
        return pusher.PushManifest(repository, tag ?? ManifestDigest.ToString(), Manifest, ManifestMediaType);
    }
}
