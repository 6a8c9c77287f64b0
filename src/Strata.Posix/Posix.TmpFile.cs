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

    /// <summary>Opens the file <paramref name="fd"/> refers to again, with <paramref name="flags"/> (close-on-exec).</summary>
    public static int Reopen(int fd, int flags)
    {
        Span<byte> path = stackalloc byte[32];
        ProcFdPath(fd, path);
        fixed (byte* p = path) return Errno.Check(Libc.openat(OpenFlags.AT_FDCWD, p, flags | OpenFlags.O_CLOEXEC, 0));
    }
}
