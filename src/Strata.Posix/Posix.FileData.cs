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
    /// set, so holes stay holes, a trailing one included (the length is left alone when the data reached it: the
    /// truncate would only cost a call). Where the source cannot tell its holes, all of it is copied; so it is where
    /// the caller knows it has none (<paramref name="mayHaveHoles"/> false: as many blocks as bytes), which saves the
    /// two seeks a file.
    /// </summary>
    public static int CopyData(int from, int to, long length, bool mayHaveHoles = true)
    {
        if (!mayHaveHoles)
        {
            long copied = CopyRange(from, to, 0, length);
            return copied < 0 ? (int)copied : copied == length ? 0 : FTruncate(to, length);
        }
        long position = 0, reached = 0;
        while (position < length)
        {
            long data = LSeek(from, position, Libc.SEEK_DATA);
            if (data == -Errno.ENXIO)
                break; // Only a hole is left.
            if (data < 0)
            {
                if (data is not (-Errno.EINVAL or -Errno.EOPNOTSUPP))
                    return (int)data;
                long all = CopyRange(from, to, position, length);
                return all < 0 ? (int)all : 0;
            }
            long hole = LSeek(from, data, Libc.SEEK_HOLE);
            if (hole < 0)
                return (int)hole;
            reached = CopyRange(from, to, data, Math.Min(hole, length));
            if (reached < 0)
                return (int)reached;
            position = hole;
        }
        return reached == length ? 0 : FTruncate(to, length);
    }

    /// <summary>
    /// Copies bytes [start, end) to the same offsets: copy_file_range, or read/write where it cannot be used. Returns
    /// the offset it got to (end, or less where the source got shorter meanwhile), or a negative errno.
    /// </summary>
    private static long CopyRange(int from, int to, long start, long end)
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
                return start; // The source got shorter meanwhile; the final truncate sets the length.
            if (n is -Errno.EXDEV or -Errno.EINVAL or -Errno.ENOSYS or -Errno.EOPNOTSUPP)
                return CopyRangeByReading(from, to, start, end);
            return n;
        }
        return start;
    }

    private static long CopyRangeByReading(int from, int to, long offset, long end)
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
            return offset;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
