using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// pread/pwrite for callers whose buffer is not aligned (a FUSE request's data sits a header's length into the
/// request buffer), on fds that may be O_DIRECT: O_DIRECT wants memory aligned as well as offset and length. When
/// the plain call says EINVAL on an O_DIRECT fd, the data goes once more through an aligned buffer of the
/// thread's own, so only the offset and length rules of the file's filesystem are left, as for a program that
/// does direct I/O on that filesystem itself.
/// </summary>
public static unsafe partial class Posix
{
    private const int F_GETFL = 3;
    private const int DirectAlignment = 4096;

    [ThreadStatic]
    private static byte* t_bounce;

    [ThreadStatic]
    private static int t_bounceSize;

    public static int PReadAnyBuffer(int fd, Span<byte> buffer, long offset)
    {
        int n = PRead(fd, buffer, offset);
        if (n != -Errno.EINVAL || !IsDirect(fd))
            return n;
        Span<byte> bounce = Bounce(buffer.Length);
        n = PRead(fd, bounce, offset);
        if (n > 0)
            bounce[..n].CopyTo(buffer);
        return n;
    }

    public static int PWriteAnyBuffer(int fd, ReadOnlySpan<byte> data, long offset)
    {
        int n = PWrite(fd, data, offset);
        if (n != -Errno.EINVAL || !IsDirect(fd))
            return n;
        Span<byte> bounce = Bounce(data.Length);
        data.CopyTo(bounce);
        return PWrite(fd, bounce, offset);
    }

    private static bool IsDirect(int fd)
    {
        int flags = Libc.fcntl(fd, F_GETFL, 0);
        return flags >= 0 && (flags & OpenFlags.O_DIRECT) != 0;
    }

    /// <summary>An aligned buffer of at least <paramref name="length"/> bytes, kept for the thread (grown, never per call).</summary>
    private static Span<byte> Bounce(int length)
    {
        if (t_bounceSize < length)
        {
            if (t_bounce is not null)
                NativeMemory.AlignedFree(t_bounce);
            int size = Math.Max(1 << 20, (length + DirectAlignment - 1) / DirectAlignment * DirectAlignment);
            t_bounce = (byte*)NativeMemory.AlignedAlloc((nuint)size, DirectAlignment);
            t_bounceSize = size;
        }
        return new Span<byte>(t_bounce, length);
    }
}
