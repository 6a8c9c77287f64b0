namespace Strata.Union.Format;

/// <summary>What a trusted.overlay.origin value says.</summary>
internal enum OriginKind
{
    /// <summary>A handle of the lower object this one was copied up from.</summary>
    Handle,

    /// <summary>"Copied up, origin unknown": an empty value, or one from a newer or foreign-endian kernel.</summary>
    Unknown,

    /// <summary>Not an origin at all (too short, wrong magic): the kernel warns and treats it as unknown too.</summary>
    Invalid,
}

/// <summary>
/// The value of trusted.overlay.origin: the kernel's struct ovl_fb (packed: version 0, magic 0xfb, total
/// length, flags, the exportfs handle type, the lower filesystem's 16-byte uuid) followed by the file handle
/// that name_to_handle_at gives for the lower object. With it a later mount finds the lower inode a copy
/// came from, and keeps reporting that inode's number.
/// </summary>
internal static class OriginHandle
{
    public const byte Version = 0;
    public const byte Magic = 0xfb;

    /// <summary>sizeof(struct ovl_fb) without the handle: version, magic, len, flags, type, uuid.</summary>
    public const int HeaderLength = 5 + UuidLength;

    public const int UuidLength = 16;

    /// <summary>The longest value: the header and the largest file handle (MAX_HANDLE_SZ).</summary>
    public const int MaxLength = HeaderLength + Posix.Libc.MAX_HANDLE_SZ;

    private const byte FlagBigEndian = 1;
    private const byte FlagAnyEndian = 2;
    private const byte FlagPathUpper = 4;
    private const byte KnownFlags = FlagBigEndian | FlagAnyEndian | FlagPathUpper;

    private static byte CpuEndian => BitConverter.IsLittleEndian ? (byte)0 : FlagBigEndian;

    /// <summary>Writes the value for a lower object's handle into dest; returns its length.</summary>
    public static int Encode(ReadOnlySpan<byte> uuid, int handleType, ReadOnlySpan<byte> handle, Span<byte> dest)
    {
        int length = HeaderLength + handle.Length;
        dest[0] = Version;
        dest[1] = Magic;
        dest[2] = (byte)length;
        dest[3] = CpuEndian;
        dest[4] = (byte)handleType;
        uuid[..UuidLength].CopyTo(dest[5..]);
        handle.CopyTo(dest[HeaderLength..]);
        return length;
    }

    /// <summary>Reads a value with the kernel's checks (ovl_check_fb_len): uuid, handle type and handle of a valid one.</summary>
    public static OriginKind Parse(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> uuid, out int handleType, out ReadOnlySpan<byte> handle)
    {
        uuid = handle = default;
        handleType = 0;
        // Zero size means "copied up but origin unknown".
        if (value.IsEmpty)
            return OriginKind.Unknown;
        if (value.Length < HeaderLength || value.Length < value[2] || value[2] < HeaderLength || value[1] != Magic)
            return OriginKind.Invalid;
        byte flags = value[3];
        // A newer format, unknown flags, or a handle written on a machine of the other endianness: "origin unknown".
        if (value[0] > Version || (flags & ~KnownFlags) != 0)
            return OriginKind.Unknown;
        if ((flags & FlagAnyEndian) == 0 && (flags & FlagBigEndian) != CpuEndian)
            return OriginKind.Unknown;
        uuid = value.Slice(5, UuidLength);
        handleType = value[4];
        // The handle is whole 32-bit words, as the kernel hands it to exportfs.
        int handleBytes = (value[2] - HeaderLength) & ~3;
        handle = value.Slice(HeaderLength, handleBytes);
        return OriginKind.Handle;
    }

    /// <summary>Whether a uuid is all zero (the kernel's uuid_is_null).</summary>
    public static bool IsNullUuid(ReadOnlySpan<byte> uuid) => uuid[..UuidLength].IndexOfAnyExcept((byte)0) < 0;
}
