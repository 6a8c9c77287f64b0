namespace Strata.Posix;

/// <summary>
/// Data calls on open fds beyond read and write: fallocate, copy_file_range of a range, and the copy of a whole
/// file that keeps its holes (copy-up of a sparse file must not fill them in).
/// </summary>
public static unsafe partial class Posix
{
    /// <summary>The largest piece one copy_file_range call is asked for (the kernel caps a call near 2 GiB anyway).</summary>
    private const long CopyChunk = 1L << 30;

    public static int FAllocate(int fd, int mode, long offset, long length)
    {
        while (true)
        {
            int r = Errno.Check(Libc.fallocate(fd, mode, offset, length));
            if (r != -Errno.EINTR) return r;
        }
    }

    /// <summary>Makes <paramref name="target"/> refer to what <paramref name="source"/> does, atomically (close-on-exec).</summary>
    public static int Dup3(int source, int target) => Errno.Check(Libc.dup3(source, target, OpenFlags.O_CLOEXEC));

    public static int Flock(int fd, int operation) => Errno.Check(Libc.flock(fd, operation));

    /// <summary>fcntl lock calls (F_OFD_SETLK, F_OFD_GETLK, ...); <paramref name="lk"/> is updated by the GETLK forms.</summary>
    public static int FcntlLock(int fd, int cmd, ref FileLock lk)
    {
        fixed (FileLock* p = &lk) return Errno.Check(Libc.fcntl_lock(fd, cmd, p));
    }

    /// <summary>
    /// One copy_file_range call between two fds at explicit offsets (neither fd's position moves); returns the
    /// bytes copied (0 at the source's end) or a negative errno.
    /// </summary>
    public static long CopyFileRange(int from, long fromOffset, int to, long toOffset, long length)
    {
        while (true)
        {
            long offIn = fromOffset, offOut = toOffset;
            long n = Errno.Check((long)Libc.copy_file_range(from, &offIn, to, &offOut, (nuint)Math.Min(length, CopyChunk), 0));
            if (n != -Errno.EINTR) return n;
        }
    }

    /// <summary>
    /// Copies a whole file's data from one fd to a new, empty fd: only the data extents SEEK_DATA/SEEK_HOLE find
    /// (each by copy_file_range, which reflinks where the filesystem can, else by read/write), then the length is
    /// set, so holes stay holes, a trailing one included. Where the source cannot tell its holes, all of it is copied.
    /// </summary>
    public static int CopyData(int from, int to, long length)
    {
        long position = 0;
        while (position < length)
        {
            long data = LSeek(from, position, Libc.SEEK_DATA);
            if (data == -Errno.ENXIO)
                break; // Only a hole is left.
            if (data < 0)
                return data is -Errno.EINVAL or -Errno.EOPNOTSUPP ? CopyRange(from, to, position, length) : (int)data;
            long hole = LSeek(from, data, Libc.SEEK_HOLE);
            if (hole < 0)
                return (int)hole;
            int rc = CopyRange(from, to, data, Math.Min(hole, length));
            if (rc < 0)
                return rc;
            position = hole;
        }
        return FTruncate(to, length);
    }

    /// <summary>Copies bytes [start, end) to the same offsets: copy_file_range, or read/write where it cannot be used.</summary>
    private static int CopyRange(int from, int to, long start, long end)
    {
        while (start < end)
        {
            long n = CopyFileRange(from, start, to, start, end - start);
            if (n > 0)
            {
                start += n;
                continue;
            }
            if (n == 0)
                return 0; // The source got shorter meanwhile; the final truncate sets the length.
            if (n is -Errno.EXDEV or -Errno.EINVAL or -Errno.ENOSYS or -Errno.EOPNOTSUPP)
                return CopyRangeByReading(from, to, start, end);
            return (int)n;
        }
        return 0;
    }

    private static int CopyRangeByReading(int from, int to, long offset, long end)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (offset < end)
            {
                int n = PRead(from, buffer.AsSpan(0, (int)Math.Min(buffer.Length, end - offset)), offset);
                if (n < 0) return n;
                if (n == 0) break;
                for (int done = 0; done < n;)
                {
                    int w = PWrite(to, buffer.AsSpan(done, n - done), offset + done);
                    if (w < 0) return w;
                    done += w;
                }
                offset += n;
            }
            return 0;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
