using System.IO.Compression;

namespace Strata.Image.Unpack;

/// <summary>Wraps a layer blob in the decompressor its media type names (gzip, zstd, or none).</summary>
public static class LayerDecompression
{
    /// <param name="blob">The compressed stream.</param>
    /// <param name="compression">What the media type says.</param>
    /// <param name="leaveOpen">Whether disposing the decompressor leaves <paramref name="blob"/> open (a plain tar is <paramref name="blob"/> itself).</param>
    public static Stream Open(Stream blob, LayerCompression compression, bool leaveOpen = false) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(blob, CompressionMode.Decompress, leaveOpen),
        LayerCompression.Zstd => new ZstdSharp.DecompressionStream(blob, leaveOpen: leaveOpen),
        _ => blob,
    };

    /// <summary>How a stream is compressed, by its magic bytes (for archives that do not say): gzip 1f 8b, zstd 28 b5 2f fd.</summary>
    public static LayerCompression Sniff(ReadOnlySpan<byte> head) =>
        head is [0x1f, 0x8b, ..] ? LayerCompression.Gzip
        : head is [0x28, 0xb5, 0x2f, 0xfd, ..] ? LayerCompression.Zstd
        : LayerCompression.None;

    /// <summary>Reads the first bytes of a file for <see cref="Sniff(ReadOnlySpan{byte})"/>.</summary>
    public static LayerCompression Sniff(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Sniff(head[..n]);
    }
}
