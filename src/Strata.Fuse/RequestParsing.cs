using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>Reads the parts of a request payload in order: fixed structs, then NUL-terminated names.</summary>
internal static class RequestParsing
{
    /// <summary>The struct at the start of <paramref name="payload"/>, which then moves past it.</summary>
    public static ref readonly T Take<T>(ref ReadOnlySpan<byte> payload)
        where T : unmanaged
    {
        ref readonly T value = ref MemoryMarshal.AsRef<T>(payload);
        payload = payload[Unsafe.SizeOf<T>()..];
        return ref value;
    }

    /// <summary>The name at the start of <paramref name="payload"/> without its NUL; the payload moves past the NUL.</summary>
    public static ReadOnlySpan<byte> TakeName(ref ReadOnlySpan<byte> payload)
    {
        int end = payload.IndexOf((byte)0);
        if (end < 0)
        {
            ReadOnlySpan<byte> all = payload;
            payload = default;
            return all;
        }
        ReadOnlySpan<byte> name = payload[..end];
        payload = payload[(end + 1)..];
        return name;
    }

    /// <summary>A zeroed struct at the start of the reply payload, for the filesystem to fill in place.</summary>
    public static ref T Place<T>(Span<byte> body)
        where T : unmanaged
    {
        body[..Unsafe.SizeOf<T>()].Clear();
        return ref MemoryMarshal.AsRef<T>(body);
    }
}
