using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Unpack;

/// <summary>
/// How many bytes of entry data and how many entries a layer may bring: what the options say, else what the
/// layer dir's filesystem has free less a reserve (1% of it, at most 1 GiB and 100000 inodes), so that even a
/// layer that is refused leaves the store's filesystem usable.
/// </summary>
public static class UnpackBudget
{
    private const long MaxByteReserve = 1L << 30;
    private const long MaxInodeReserve = 100_000;

    public static (long Bytes, long Entries) Of(int layerDirFd, UnpackOptions options)
    {
        long bytes = long.MaxValue, entries = long.MaxValue;
        if (Sys.FStatFs(layerDirFd, out StatFs fs) == 0)
        {
            ulong blockSize = (ulong)Math.Max(fs.BlockSize, 1);
            bytes = FreeLessReserve(fs.BlocksAvailable, fs.Blocks, MaxByteReserve / (long)blockSize) * (long)blockSize;
            // Filesystems without a fixed inode table (btrfs) report no inodes at all.
            if (fs.Files > 0)
                entries = FreeLessReserve(fs.FilesFree, fs.Files, MaxInodeReserve);
        }
        return (options.MaxFileBytes ?? bytes, options.MaxEntries ?? entries);
    }

    /// <summary>The bytes a blob or layer may take on the filesystem of <paramref name="dir"/> (free less the reserve).</summary>
    public static long FreeBytes(string dir)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
            return long.MaxValue;
        try
        {
            return Of(fd, UnpackOptions.Default).Bytes;
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    private static long FreeLessReserve(ulong free, ulong total, long maxReserve)
    {
        long reserve = (long)Math.Min(total / 100, (ulong)maxReserve);
        long available = (long)Math.Min(free, long.MaxValue / 4096);
        return Math.Max(available - reserve, 0);
    }
}
