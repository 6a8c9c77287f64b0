using System.Text;
using Strata.Posix;

namespace Strata.Differential.Tests.Execution;

/// <summary>
/// Runs operations against one merged root with plain syscalls (*at calls relative to the root's fd) and
/// describes what happened in words both implementations must produce alike.
/// </summary>
public sealed class Executor : IDisposable
{
    public Executor(string root)
    {
        RootFd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, root, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        if (RootFd < 0) throw new InvalidOperationException($"cannot open {root}: {Errno.Describe(RootFd)}");
    }

    public int RootFd { get; }

    /// <summary>When set, probes also say which layer object a path's inode number belongs to.</summary>
    public Running.InodeLabels? Labels { get; set; }

    public static byte[] Bytes(string path) => Encoding.UTF8.GetBytes(path);

    /// <summary>"ok" or the errno's name.</summary>
    public static string Result(int r) => r >= 0 ? "ok" : ErrnoNames.Of(r);

    /// <summary>
    /// Opens path, runs body on the fd and closes it; the outcome is the open's errno or the body's. Always
    /// O_NONBLOCK: a script may open a fifo it made, which would otherwise wait forever for the other end.
    /// </summary>
    public string WithOpen(string path, int flags, uint mode, Func<int, string> body)
    {
        int fd = Posix.Posix.OpenAt(RootFd, Bytes(path), flags | OpenFlags.O_NONBLOCK, mode);
        if (fd < 0) return ErrnoNames.Of(fd);
        try
        {
            return body(fd);
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    /// <summary>
    /// The stat fields that must agree: type, permission bits, owner, and for non-dirs size and link count
    /// (dir sizes and link counts and times legitimately differ), a symlink's target, and with
    /// <see cref="Labels"/> the layer object the inode number belongs to (the raw numbers differ between copies).
    /// </summary>
    public string Probe(string path)
    {
        int r = Posix.Posix.Stat(RootFd, Bytes(path), out StatX st);
        if (r < 0) return $"{path}: {ErrnoNames.Of(r)}";
        return ProbeText.Describe(path, ProbeText.TypeName(st.Mode), st.Mode, st.Uid, st.Gid, (long)st.Size, st.LinkCount,
            st.IsSymlink ? ReadLink(path) : null, Labels?.Of(st.Inode));
    }

    public string ReadLink(string path)
    {
        Span<byte> buffer = stackalloc byte[Posix.Posix.PathMax];
        int n = Posix.Posix.ReadLinkAt(RootFd, Bytes(path), buffer);
        return n < 0 ? ErrnoNames.Of(n) : Encoding.UTF8.GetString(buffer[..n]);
    }

    public void Dispose() => Posix.Posix.Close(RootFd);
}
