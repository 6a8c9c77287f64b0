namespace Strata.Posix;

/// <summary>The S_IF* bits of st_mode and the DT_* values of dirents.</summary>
public static class FileType
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;
    public const uint PermissionBits = 0xFFF;
    public const uint S_ISUID = 0x800;
    public const uint S_ISGID = 0x400;
    public const uint S_ISVTX = 0x200;
    public const uint S_IXGRP = 0x8;

    public const byte DT_UNKNOWN = 0;
    public const byte DT_FIFO = 1;
    public const byte DT_CHR = 2;
    public const byte DT_DIR = 4;
    public const byte DT_BLK = 6;
    public const byte DT_REG = 8;
    public const byte DT_LNK = 10;
    public const byte DT_SOCK = 12;

    public static bool IsDirectory(uint mode) => (mode & S_IFMT) == S_IFDIR;

    public static bool IsRegular(uint mode) => (mode & S_IFMT) == S_IFREG;

    public static bool IsSymlink(uint mode) => (mode & S_IFMT) == S_IFLNK;

    public static bool IsCharDevice(uint mode) => (mode & S_IFMT) == S_IFCHR;

    /// <summary>The dirent type for a mode, as getdents reports it.</summary>
    public static byte ToDirentType(uint mode) => (byte)((mode & S_IFMT) >> 12);

    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfff) << 8) | (minor & 0xff) | ((ulong)(minor & ~0xffu) << 12) | ((ulong)(major & ~0xfffu) << 32);

    public static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL));

    public static uint Minor(ulong dev) => (uint)((dev & 0xff) | ((dev >> 12) & ~0xffUL));
}
