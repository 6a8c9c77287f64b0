using System.Text;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Format;

/// <summary>
/// work/incompat in the work dir, as the kernel keeps it: each entry names a feature a mount used that leaves the
/// layers in a state another mount must not take for granted, and no mount (the kernel's or ours) accepts a work
/// dir with one. The only feature so far is "volatile": writes may not have reached the disk, so after a crash
/// the upper dir may be inconsistent. The kernel makes work/incompat/volatile/dirty (dirs and file of mode 0).
/// </summary>
internal static class IncompatFeatures
{
    private static ReadOnlySpan<byte> Dir => "incompat"u8;

    private static ReadOnlySpan<byte> Volatile => "volatile"u8;

    private static ReadOnlySpan<byte> Dirty => "dirty"u8;

    /// <summary>The first feature named in work/incompat, or null when there is none (or no such dir).</summary>
    public static int Find(int workFd, out string? feature)
    {
        feature = null;
        int fd = Sys.OpenAt(workFd, Dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        if (fd == -Errno.ENOENT)
            return 0;
        if (fd < 0)
            return fd;
        try
        {
            Span<byte> buffer = stackalloc byte[4096];
            var entries = new DirectoryEnumerator(fd, buffer);
            if (entries.MoveNext())
                feature = Encoding.UTF8.GetString(entries.Name);
            return entries.Error;
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>Marks the work dir as used by a volatile mount (what the kernel writes at such a mount).</summary>
    public static int MarkVolatile(int workFd)
    {
        int rc = MakeDir(workFd, Dir, out int incompat);
        if (rc < 0)
            return rc;
        rc = MakeDir(incompat, Volatile, out int marker);
        Sys.Close(incompat);
        if (rc < 0)
            return rc;
        int fd = Sys.OpenAt(marker, Dirty, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW, 0);
        Sys.Close(marker);
        return fd < 0 ? fd : Sys.Close(fd);
    }

    private static int MakeDir(int parent, ReadOnlySpan<byte> name, out int fd)
    {
        fd = -1;
        int rc = Sys.MkdirAt(parent, name, 0);
        if (rc < 0 && rc != -Errno.EEXIST)
            return rc;
        fd = Sys.OpenAt(parent, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        return fd < 0 ? fd : 0;
    }
}
