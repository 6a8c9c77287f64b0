namespace Strata.Posix;

/// <summary>Imports and constants for the data-shaping calls: fallocate, lseek's SEEK_DATA/SEEK_HOLE, flock.</summary>
public static unsafe partial class Libc
{
    public const int SEEK_SET = 0;
    public const int SEEK_CUR = 1;
    public const int SEEK_END = 2;
    public const int SEEK_DATA = 3;
    public const int SEEK_HOLE = 4;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;
    public const int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    public const int FALLOC_FL_ZERO_RANGE = 0x10;
    public const int FALLOC_FL_INSERT_RANGE = 0x20;

    [System.Runtime.InteropServices.LibraryImport(C, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int fallocate(int fd, int mode, long offset, long length);

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    [System.Runtime.InteropServices.LibraryImport(C, EntryPoint = "flock", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    public const int F_OFD_GETLK = 36;
    public const int F_OFD_SETLK = 37;
    public const short F_RDLCK = 0;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;

    /// <summary>fcntl with a struct flock (F_OFD_GETLK, F_OFD_SETLK, F_SETLK, ...).</summary>
    [System.Runtime.InteropServices.LibraryImport(C, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl_lock(int fd, int cmd, FileLock* lk);
}

/// <summary>struct flock on 64-bit Linux.</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
public struct FileLock
{
    public short Type;
    public short Whence;
    public long Start;
    public long Length;
    public int Pid;
}
