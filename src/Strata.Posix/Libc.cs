using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// Raw libc imports: -1 and errno on failure, as libc gives them. The rest of Strata calls <see cref="Posix"/>,
/// which turns these into "negative errno" results. Paths are NUL-terminated UTF-8 bytes.
/// </summary>
public static unsafe partial class Libc
{
    private const string C = "libc";

    [LibraryImport(C, EntryPoint = "openat", SetLastError = true)]
    public static partial int openat(int dirfd, byte* path, int flags, uint mode);

    [LibraryImport(C, EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(C, EntryPoint = "read", SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport(C, EntryPoint = "write", SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport(C, EntryPoint = "pread", SetLastError = true)]
    public static partial nint pread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(C, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint pwrite(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(C, EntryPoint = "statx", SetLastError = true)]
    public static partial int statx(int dirfd, byte* path, int flags, uint mask, StatX* buf);

    [LibraryImport(C, EntryPoint = "statfs", SetLastError = true)]
    public static partial int statfs(byte* path, StatFs* buf);

    [LibraryImport(C, EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int fstatfs(int fd, StatFs* buf);

    [LibraryImport(C, EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int mkdirat(int dirfd, byte* path, uint mode);

    [LibraryImport(C, EntryPoint = "mknodat", SetLastError = true)]
    public static partial int mknodat(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport(C, EntryPoint = "unlinkat", SetLastError = true)]
    public static partial int unlinkat(int dirfd, byte* path, int flags);

    [LibraryImport(C, EntryPoint = "renameat2", SetLastError = true)]
    public static partial int renameat2(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [LibraryImport(C, EntryPoint = "linkat", SetLastError = true)]
    public static partial int linkat(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport(C, EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int symlinkat(byte* target, int newdirfd, byte* linkpath);

    [LibraryImport(C, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint readlinkat(int dirfd, byte* path, byte* buf, nuint size);

    [LibraryImport(C, EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int fchmodat(int dirfd, byte* path, uint mode, int flags);

    [LibraryImport(C, EntryPoint = "fchmod", SetLastError = true)]
    public static partial int fchmod(int fd, uint mode);

    [LibraryImport(C, EntryPoint = "fchownat", SetLastError = true)]
    public static partial int fchownat(int dirfd, byte* path, uint owner, uint group, int flags);

    [LibraryImport(C, EntryPoint = "fchown", SetLastError = true)]
    public static partial int fchown(int fd, uint owner, uint group);

    [LibraryImport(C, EntryPoint = "utimensat", SetLastError = true)]
    public static partial int utimensat(int dirfd, byte* path, TimeSpec* times, int flags);

    [LibraryImport(C, EntryPoint = "futimens", SetLastError = true)]
    public static partial int futimens(int fd, TimeSpec* times);

    [LibraryImport(C, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport(C, EntryPoint = "fsync", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport(C, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int fdatasync(int fd);

    [LibraryImport(C, EntryPoint = "copy_file_range", SetLastError = true)]
    public static partial nint copy_file_range(int fdIn, long* offIn, int fdOut, long* offOut, nuint len, uint flags);

    [LibraryImport(C, EntryPoint = "getdents64", SetLastError = true)]
    public static partial nint getdents64(int fd, byte* dirp, nuint count);

    [LibraryImport(C, EntryPoint = "lseek", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport(C, EntryPoint = "faccessat", SetLastError = true)]
    public static partial int faccessat(int dirfd, byte* path, int mode, int flags);

    [LibraryImport(C, EntryPoint = "umask")]
    public static partial uint umask(uint mask);

    [LibraryImport(C, EntryPoint = "geteuid")]
    public static partial uint geteuid();

    [LibraryImport(C, EntryPoint = "getegid")]
    public static partial uint getegid();

    [LibraryImport(C, EntryPoint = "getpid")]
    public static partial int getpid();

    [LibraryImport(C, EntryPoint = "setsid", SetLastError = true)]
    public static partial int setsid();

    [LibraryImport(C, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(C, EntryPoint = "dup2", SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);

    [LibraryImport(C, EntryPoint = "dup3", SetLastError = true)]
    public static partial int dup3(int oldfd, int newfd, int flags);

    public const uint CLOSE_RANGE_CLOEXEC = 4;

    [LibraryImport(C, EntryPoint = "close_range", SetLastError = true)]
    public static partial int close_range(uint first, uint last, int flags);

    [LibraryImport(C, EntryPoint = "kill", SetLastError = true)]
    public static partial int kill(int pid, int sig);
}

/// <summary>struct timespec on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;

    public TimeSpec(long seconds, long nanoseconds)
    {
        Seconds = seconds;
        Nanoseconds = nanoseconds;
    }

    public static TimeSpec Now => new(0, OpenFlags.UTIME_NOW);

    public static TimeSpec Omit => new(0, OpenFlags.UTIME_OMIT);
}
