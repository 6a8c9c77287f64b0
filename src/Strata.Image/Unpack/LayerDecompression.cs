using System.IO.Compression;

namespace Strata.Image.Unpack;

/// <summary>Wraps a layer blob in the decompressor its media type names (gzip, zstd, or none).</summary>
public static class LayerDecompression
{
    public static Stream Open(Stream blob, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(blob, CompressionMode.Decompress),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(blob),
        _ => blob,
    };
}
