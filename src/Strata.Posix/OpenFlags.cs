namespace Strata.Posix;

/// <summary>open(2), *at(2) and rename flag values for Linux x86_64 and arm64.</summary>
public static class OpenFlags
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_ACCMODE = 3;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECT = 0x4000;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_NOATIME = 0x40000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    /// <summary>__O_TMPFILE | O_DIRECTORY: a nameless file in the dir opened.</summary>
    public const int O_TMPFILE = 0x410000;

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_EMPTY_PATH = 0x1000;

    public const uint RENAME_NOREPLACE = 1;
    public const uint RENAME_EXCHANGE = 2;
    public const uint RENAME_WHITEOUT = 4;

    public const int F_OK = 0;
    public const int R_OK = 4;
    public const int W_OK = 2;
    public const int X_OK = 1;

    public const long UTIME_NOW = (1L << 30) - 1;
    public const long UTIME_OMIT = (1L << 30) - 2;
}
