namespace Strata.Posix;

/// <summary>
/// What a nameless file (O_TMPFILE) needs: a second descriptor of it, and a new open of it with other flags, which
/// only its /proc/self/fd link can give (it has no name to open).
/// </summary>
public static unsafe partial class Posix
{
    private const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>A new descriptor (close-on-exec) sharing the open file of <paramref name="fd"/>.</summary>
    public static int DupCloseOnExec(int fd) => Errno.Check(Libc.fcntl(fd, F_DUPFD_CLOEXEC, 0));

    /// <summary>
    /// Gives the open file <paramref name="fd"/> (a nameless one: O_TMPFILE without O_EXCL) the name
    /// <paramref name="newName"/> in <paramref name="newDirFd"/>. linkat's AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH
    /// (before Linux 6.10, and for files others opened); its /proc/self/fd link, followed, needs nothing more.
    /// </summary>
    public static int LinkOpenFile(int fd, int newDirFd, ReadOnlySpan<byte> newName)
    {
        int rc = LinkAt(fd, [], newDirFd, newName);
        if (rc != -Errno.ENOENT)
            return rc;
        Span<byte> path = stackalloc byte[32];
        ProcFdPath(fd, path);
        return LinkAt(OpenFlags.AT_FDCWD, path[..path.IndexOf((byte)0)], newDirFd, newName, OpenFlags.AT_SYMLINK_FOLLOW);
    }

    /// <summary>Opens the file <paramref name="fd"/> refers to again, with <paramref name="flags"/> (close-on-exec).</summary>
    public static int Reopen(int fd, int flags)
    {
        Span<byte> path = stackalloc byte[32];
        ProcFdPath(fd, path);
        fixed (byte* p = path) return Errno.Check(Libc.openat(OpenFlags.AT_FDCWD, p, flags | OpenFlags.O_CLOEXEC, 0));
    }
}
