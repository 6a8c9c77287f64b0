using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>Removes trees relative to a dir fd without following symlinks (work dir leftovers, replaced dirs).</summary>
internal static class TreeRemover
{
    /// <summary>Removes the entry <paramref name="name"/> of dirFd, recursively when it is a directory.</summary>
    public static int Remove(int dirFd, ReadOnlySpan<byte> name)
    {
        int rc = Sys.Stat(dirFd, name, out StatX st);
        if (rc < 0)
            return rc == -Errno.ENOENT ? 0 : rc;
        if (!st.IsDirectory)
            return Sys.UnlinkAt(dirFd, name, false);
        int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        if (fd < 0)
            return fd;
        rc = RemoveContents(fd);
        Sys.Close(fd);
        return rc < 0 ? rc : Sys.UnlinkAt(dirFd, name, true);
    }

    /// <summary>Empties an open directory.</summary>
    public static int RemoveContents(int dirFd) => RemoveMatching(dirFd, static (_, _, _) => true);

    /// <summary>Removes the whiteouts in an upper dir (so that the dir can be removed or renamed over).</summary>
    public static int RemoveWhiteouts(int dirFd) =>
        RemoveMatching(dirFd, static (fd, name, type) =>
            (type is FileType.DT_CHR or FileType.DT_UNKNOWN) && Sys.Stat(fd, name, out StatX st) == 0 && st.IsWhiteoutDevice);

    private delegate bool EntryFilter(int dirFd, ReadOnlySpan<byte> name, byte type);

    private static int RemoveMatching(int dirFd, EntryFilter filter)
    {
        // Names are collected first: removing while getdents walks the same dir may skip entries.
        var names = new List<byte[]>();
        int rc = ListNames(dirFd, names, filter);
        if (rc < 0)
            return rc;
        foreach (byte[] name in names)
        {
            rc = Remove(dirFd, name);
            if (rc < 0)
                return rc;
        }
        return 0;
    }

    private static int ListNames(int dirFd, List<byte[]> names, EntryFilter filter)
    {
        int fd = Sys.OpenAt(dirFd, "."u8, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
            return fd;
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            var entries = new DirectoryEnumerator(fd, buffer);
            while (entries.MoveNext())
            {
                if (filter(dirFd, entries.Name, entries.Type))
                    names.Add(entries.Name.ToArray());
            }
            return entries.Error;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            Sys.Close(fd);
        }
    }
}
