namespace Strata.Image.Unpack;

/// <summary>
/// What an unpack may do and how much it may take. The byte and entry bounds default to what the store's
/// filesystem has free (less a reserve), so a decompression bomb is refused by a bound, never by a full disk.
/// </summary>
public sealed record UnpackOptions
{
    public static readonly UnpackOptions Default = new();

    /// <summary>Character and block device nodes (other than whiteouts); refused when false.</summary>
    public bool AllowDeviceNodes { get; init; } = true;

    /// <summary>Bytes of file data the layer may write; null means the free space of the layer dir's filesystem less the reserve.</summary>
    public long? MaxFileBytes { get; init; }

    /// <summary>Entries the layer may create; null means the free inodes of the layer dir's filesystem less the reserve.</summary>
    public long? MaxEntries { get; init; }

    /// <summary>
    /// The largest PAX record block or GNU long name a tar may carry. System.Formats.Tar reads those into
    /// memory whole (up to 2 GiB), so a tiny compressed blob could otherwise claim gigabytes of memory.
    /// </summary>
    public int MaxHeaderBytes { get; init; } = 1 << 20;

    /// <summary>Bytes after the tar's end marker (they count towards the diff id and are read, never written).</summary>
    public long MaxTrailerBytes { get; init; } = 16 << 20;
}
