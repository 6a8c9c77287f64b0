using System.Text;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Store;

/// <summary>
/// Removes a tree without following symlinks, through dir fds (an unpacked layer holds device nodes, FIFOs
/// and symlinks that Directory.Delete would trip over or follow).
/// </summary>
public static class TreeDeleter
{
    public static void Delete(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string parent = System.IO.Path.GetDirectoryName(full) ?? "/";
        int parentFd = Sys.OpenAt(OpenFlags.AT_FDCWD, parent, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (parentFd < 0)
            return;
        try
        {
            int r = RemoveEntry(parentFd, Encoding.UTF8.GetBytes(System.IO.Path.GetFileName(full)));
            if (r < 0 && r != -Errno.ENOENT)
                throw new IOException($"cannot remove {full}: {Errno.Describe(r)}");
        }
        finally
        {
            Sys.Close(parentFd);
        }
    }

    /// <summary>Removes one entry of a dir, recursively when it is a dir; negative errno on failure.</summary>
    public static int RemoveEntry(int dirFd, ReadOnlySpan<byte> name)
    {
        int r = Sys.Stat(dirFd, name, out StatX st);
        if (r < 0)
            return r;
        if (!st.IsDirectory)
            return Sys.UnlinkAt(dirFd, name, directory: false);
        int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
        if (fd < 0)
            return fd;
        try
        {
            r = RemoveContents(fd);
            if (r < 0)
                return r;
        }
        finally
        {
            Sys.Close(fd);
        }
        return Sys.UnlinkAt(dirFd, name, directory: true);
    }

    private static int RemoveContents(int fd)
    {
        var names = new List<byte[]>();
        byte[] buffer = new byte[32 * 1024];
        var entries = new DirectoryEnumerator(fd, buffer);
        while (entries.MoveNext())
            names.Add(entries.Name.ToArray());
        if (entries.Error < 0)
            return entries.Error;
        foreach (byte[] name in names)
        {
            int r = RemoveEntry(fd, name);
            if (r < 0 && r != -Errno.ENOENT)
                return r;
        }
        return 0;
    }
}
