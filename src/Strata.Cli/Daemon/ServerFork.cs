using System.Runtime.InteropServices;
using System.Text;
using Strata.Posix;

namespace Strata.Cli;

/// <summary>
/// The server as a forked copy of this process (where <see cref="ForkSafety"/> allows it): no second runtime
/// start-up, no second parse of the arguments. The child reports on a pipe of its own; until it detaches, it
/// writes its messages to the caller's stderr itself.
/// </summary>
internal static unsafe class ServerFork
{
    /// <summary>
    /// In the parent: the exit code once the child reported (or throws its error). In the child: what
    /// <paramref name="serveInChild"/> returned, once the mount is gone. Null when this process cannot fork: the
    /// caller starts a new one instead.
    /// </summary>
    public static int? TryRun(Func<int> serveInChild)
    {
        if (!ForkSafety.CanForkAndContinue())
            return null;
        int* fds = stackalloc int[2];
        if (Libc.pipe2(fds, OpenFlags.O_CLOEXEC) < 0)
            return null;
        int pid = Libc.fork();
        if (pid < 0)
        {
            Libc.close(fds[0]);
            Libc.close(fds[1]);
            return null;
        }
        if (pid == 0)
        {
            Libc.close(fds[0]);
            CloseInheritedDescriptors();
            Daemon.LeaveTerminalSession();
            Daemon.ReportTo(fds[1]);
            return serveInChild();
        }
        Libc.close(fds[1]);
        string? line = ReadLine(fds[0]);
        Libc.close(fds[0]);
        return Daemon.Verdict(line, () => WaitForExit(pid));
    }

    /// <summary>
    /// A fork keeps every descriptor, also those this process inherited without O_CLOEXEC (a shell's, a test
    /// runner's pipe): they stay out of the server, which would otherwise hold them open for as long as it runs.
    /// Everything the runtime and Strata open is O_CLOEXEC, so a descriptor without the flag is an inherited one.
    /// </summary>
    private static void CloseInheritedDescriptors()
    {
        int dir = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, "/proc/self/fd", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (dir < 0)
            return;
        var inherited = new List<int>();
        Span<byte> buffer = stackalloc byte[4096];
        var entries = new DirectoryEnumerator(dir, buffer);
        while (entries.MoveNext())
        {
            if (System.Buffers.Text.Utf8Parser.TryParse(entries.Name, out int fd, out int used) && used == entries.Name.Length && fd > 2 && fd != dir)
                inherited.Add(fd);
        }
        Libc.close(dir);
        foreach (int fd in inherited)
        {
            int flags = Libc.fcntl(fd, Libc.F_GETFD, 0);
            if (flags >= 0 && (flags & Libc.FD_CLOEXEC) == 0)
                Libc.close(fd);
        }
    }

    private static string? ReadLine(int fd)
    {
        var line = new List<byte>(64);
        byte b;
        while (true)
        {
            nint n = Libc.read(fd, &b, 1);
            if (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR) continue;
            if (n <= 0) return line.Count == 0 ? null : Encoding.UTF8.GetString(line.ToArray());
            if (b == '\n') return Encoding.UTF8.GetString(line.ToArray());
            line.Add(b);
        }
    }

    private static int WaitForExit(int pid)
    {
        int status;
        while (Libc.waitpid(pid, &status, 0) < 0)
        {
            if (Marshal.GetLastPInvokeError() != Errno.EINTR)
                return ExitCodes.Failure;
        }
        // WIFEXITED: the exit code; killed by a signal: 128 + the signal, as a shell reports it.
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
    }
}
