namespace Strata.Posix;

public static unsafe partial class Posix
{
    /// <summary>
    /// A listening stream socket on an abstract Unix name (nothing on disk; gone with the process): the fd, or a
    /// negative errno (EADDRINUSE: another process listens on that name).
    /// </summary>
    public static int ListenAbstractUnix(ReadOnlySpan<byte> name, int backlog)
    {
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }, abstract: sun_path[0] == 0.
        const int PathSize = 108;
        if (name.Length + 1 > PathSize) return -Errno.ENAMETOOLONG;
        Span<byte> address = stackalloc byte[2 + PathSize];
        address.Clear();
        address[0] = Libc.AF_UNIX;
        name.CopyTo(address[3..]);
        int fd = Errno.Check(Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0));
        if (fd < 0) return fd;
        int result;
        fixed (byte* a = address)
            result = Errno.Check(Libc.bind(fd, a, (uint)(3 + name.Length)));
        if (result >= 0)
            result = Errno.Check(Libc.listen(fd, backlog));
        if (result < 0)
        {
            Libc.close(fd);
            return result;
        }
        return fd;
    }

    /// <summary>The next connection on a listening socket (O_CLOEXEC), or a negative errno (EINVAL once shut down).</summary>
    public static int Accept(int listener) => Errno.Check(Libc.accept4(listener, null, null, Libc.SOCK_CLOEXEC));
}
