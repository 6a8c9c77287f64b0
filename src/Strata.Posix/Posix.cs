using System.Text;

namespace Strata.Posix;

/// <summary>
/// The syscalls Strata uses, over UTF-8 names given as spans (no NUL needed), returning the result or a
/// negative errno. Every descriptor it opens is O_CLOEXEC, so no child process inherits a layer or /dev/fuse.
/// </summary>
public static unsafe partial class Posix
{
    /// <summary>PATH_MAX: the longest relative path we pass to one call.</summary>
    public const int PathMax = 4096;

    /// <summary>NAME_MAX: the longest name of one directory entry.</summary>
    public const int NameMax = 255;

    private static bool Terminate(ReadOnlySpan<byte> s, Span<byte> dest)
    {
        if (s.IndexOf((byte)0) >= 0)
            return false;
        s.CopyTo(dest);
        dest[s.Length] = 0;
        return true;
    }

    public static int OpenAt(int dirfd, ReadOnlySpan<byte> name, int flags, uint mode = 0)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.openat(dirfd, p, flags | OpenFlags.O_CLOEXEC, mode));
    }

    public static int OpenAt(int dirfd, string path, int flags, uint mode = 0) =>
        OpenAt(dirfd, Encoding.UTF8.GetBytes(path), flags, mode);

    public static int Close(int fd) => Errno.Check(Libc.close(fd));

    /// <summary>statx of a name in a directory, never following a final symlink; an empty name means dirfd itself.</summary>
    public static int Stat(int dirfd, ReadOnlySpan<byte> name, out StatX st)
    {
        if (name.Length >= PathMax) { st = default; return -Errno.ENAMETOOLONG; }
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) { st = default; return -Errno.EINVAL; }
        int flags = OpenFlags.AT_SYMLINK_NOFOLLOW | (name.IsEmpty ? OpenFlags.AT_EMPTY_PATH : 0);
        fixed (byte* p = z)
        fixed (StatX* s = &st)
            return Errno.Check(Libc.statx(dirfd, p, flags, StatX.STATX_BASIC_STATS, s));
    }

    public static int FStat(int fd, out StatX st) => Stat(fd, ReadOnlySpan<byte>.Empty, out st);

    public static int Stat(string path, out StatX st, bool followSymlinks = true)
    {
        byte[] z = Encoding.UTF8.GetBytes(path + "\0");
        int flags = followSymlinks ? 0 : OpenFlags.AT_SYMLINK_NOFOLLOW;
        fixed (byte* p = z)
        fixed (StatX* s = &st)
            return Errno.Check(Libc.statx(OpenFlags.AT_FDCWD, p, flags, StatX.STATX_BASIC_STATS, s));
    }

    /// <summary>
    /// statfs of a path. On a FUSE mount this always reaches the server (nothing caches it), which makes it the
    /// probe for a mount whose server is gone (-ENOTCONN) even while the kernel still holds its attributes.
    /// </summary>
    public static int StatFs(string path, out StatFs st)
    {
        byte[] z = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = z)
        fixed (StatFs* s = &st)
            return Errno.Check(Libc.statfs(p, s));
    }

    public static int FStatFs(int fd, out StatFs st)
    {
        fixed (StatFs* s = &st) return Errno.Check(Libc.fstatfs(fd, s));
    }

    public static int MkdirAt(int dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.mkdirat(dirfd, p, mode));
    }

    public static int MknodAt(int dirfd, ReadOnlySpan<byte> name, uint mode, ulong dev)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.mknodat(dirfd, p, mode, dev));
    }

    public static int UnlinkAt(int dirfd, ReadOnlySpan<byte> name, bool directory)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.unlinkat(dirfd, p, directory ? OpenFlags.AT_REMOVEDIR : 0));
    }

    public static int RenameAt(int olddirfd, ReadOnlySpan<byte> oldname, int newdirfd, ReadOnlySpan<byte> newname, uint flags = 0)
    {
        if (oldname.Length >= PathMax || newname.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> a = stackalloc byte[oldname.Length + 1];
        Span<byte> b = stackalloc byte[newname.Length + 1];
        if (!Terminate(oldname, a) || !Terminate(newname, b)) return -Errno.EINVAL;
        fixed (byte* pa = a)
        fixed (byte* pb = b)
            return Errno.Check(Libc.renameat2(olddirfd, pa, newdirfd, pb, flags));
    }

    /// <summary>linkat; an empty <paramref name="oldname"/> links the file <paramref name="olddirfd"/> refers to (AT_EMPTY_PATH).</summary>
    public static int LinkAt(int olddirfd, ReadOnlySpan<byte> oldname, int newdirfd, ReadOnlySpan<byte> newname) =>
        LinkAt(olddirfd, oldname, newdirfd, newname, oldname.IsEmpty ? OpenFlags.AT_EMPTY_PATH : 0);

    private static int LinkAt(int olddirfd, ReadOnlySpan<byte> oldname, int newdirfd, ReadOnlySpan<byte> newname, int flags)
    {
        if (oldname.Length >= PathMax || newname.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> a = stackalloc byte[oldname.Length + 1];
        Span<byte> b = stackalloc byte[newname.Length + 1];
        if (!Terminate(oldname, a) || !Terminate(newname, b)) return -Errno.EINVAL;
        fixed (byte* pa = a)
        fixed (byte* pb = b)
            return Errno.Check(Libc.linkat(olddirfd, pa, newdirfd, pb, flags));
    }

    public static int SymlinkAt(ReadOnlySpan<byte> target, int dirfd, ReadOnlySpan<byte> name)
    {
        if (target.Length >= PathMax || name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> a = stackalloc byte[target.Length + 1];
        Span<byte> b = stackalloc byte[name.Length + 1];
        if (!Terminate(target, a) || !Terminate(name, b)) return -Errno.EINVAL;
        fixed (byte* pa = a)
        fixed (byte* pb = b)
            return Errno.Check(Libc.symlinkat(pa, dirfd, pb));
    }

    /// <summary>readlinkat into buffer; returns the target's length (not NUL-terminated) or a negative errno.</summary>
    public static int ReadLinkAt(int dirfd, ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z)
        fixed (byte* b = buffer)
            return (int)Errno.Check((long)Libc.readlinkat(dirfd, p, b, (nuint)buffer.Length));
    }

    /// <summary>chmod of a name; follows a final symlink, as chmod(2) does (symlinks have no mode of their own).</summary>
    public static int ChmodAt(int dirfd, ReadOnlySpan<byte> name, uint mode)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.fchmodat(dirfd, p, mode, 0));
    }

    /// <summary>lchown of a name (a final symlink itself is changed); uint.MaxValue leaves an id as it is.</summary>
    public static int ChownAt(int dirfd, ReadOnlySpan<byte> name, uint uid, uint gid)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        int flags = OpenFlags.AT_SYMLINK_NOFOLLOW | (name.IsEmpty ? OpenFlags.AT_EMPTY_PATH : 0);
        fixed (byte* p = z) return Errno.Check(Libc.fchownat(dirfd, p, uid, gid, flags));
    }

    /// <summary>Sets atime and mtime of a name without following a final symlink (UTIME_NOW/UTIME_OMIT allowed).</summary>
    public static int UtimensAt(int dirfd, ReadOnlySpan<byte> name, TimeSpec atime, TimeSpec mtime)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        TimeSpec* times = stackalloc TimeSpec[2];
        times[0] = atime;
        times[1] = mtime;
        fixed (byte* p = z) return Errno.Check(Libc.utimensat(dirfd, p, times, OpenFlags.AT_SYMLINK_NOFOLLOW));
    }

    public static int FUtimens(int fd, TimeSpec atime, TimeSpec mtime)
    {
        TimeSpec* times = stackalloc TimeSpec[2];
        times[0] = atime;
        times[1] = mtime;
        return Errno.Check(Libc.futimens(fd, times));
    }

    public static int FChmod(int fd, uint mode) => Errno.Check(Libc.fchmod(fd, mode));

    public static int FChown(int fd, uint uid, uint gid) => Errno.Check(Libc.fchown(fd, uid, gid));

    public static int FTruncate(int fd, long length) => Errno.Check(Libc.ftruncate(fd, length));

    public static int FSync(int fd, bool dataOnly = false) => Errno.Check(dataOnly ? Libc.fdatasync(fd) : Libc.fsync(fd));

    public static int AccessAt(int dirfd, ReadOnlySpan<byte> name, int mode)
    {
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        fixed (byte* p = z) return Errno.Check(Libc.faccessat(dirfd, p, mode, 0));
    }

    public static int PRead(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                long n = Errno.Check((long)Libc.pread(fd, b, (nuint)buffer.Length, offset));
                if (n != -Errno.EINTR) return (int)n;
            }
        }
    }

    public static int PWrite(int fd, ReadOnlySpan<byte> data, long offset)
    {
        fixed (byte* b = data)
        {
            while (true)
            {
                long n = Errno.Check((long)Libc.pwrite(fd, b, (nuint)data.Length, offset));
                if (n != -Errno.EINTR) return (int)n;
            }
        }
    }

    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer) return (int)Errno.Check((long)Libc.read(fd, b, (nuint)buffer.Length));
    }

    public static int Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* b = data) return (int)Errno.Check((long)Libc.write(fd, b, (nuint)data.Length));
    }

    /// <summary>Writes all of <paramref name="data"/> (a pipe or socket may take it in parts): 0, or a negative errno.</summary>
    public static int WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = Write(fd, data);
            if (n == -Errno.EINTR) continue;
            if (n < 0) return n;
            data = data[n..];
        }
        return 0;
    }

    public static long LSeek(int fd, long offset, int whence) => Errno.Check(Libc.lseek(fd, offset, whence));
}
