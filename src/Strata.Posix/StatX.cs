using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>struct statx_timestamp.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StatXTimestamp
{
    public long Seconds;
    public uint Nanoseconds;
    private readonly int _reserved;
}

/// <summary>
/// struct statx (256 bytes, the same on every architecture, which is why we use it rather than struct stat).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct StatX
{
    public const uint STATX_BASIC_STATS = 0x7ff;
    public const int AT_STATX_SYNC_AS_STAT = 0;

    public uint Mask;
    public uint BlockSize;
    public ulong Attributes;
    public uint LinkCount;
    public uint Uid;
    public uint Gid;
    public ushort Mode;
    private readonly ushort _spare0;
    public ulong Inode;
    public ulong Size;
    public ulong Blocks;
    public ulong AttributesMask;
    public StatXTimestamp AccessTime;
    public StatXTimestamp BirthTime;
    public StatXTimestamp ChangeTime;
    public StatXTimestamp ModifyTime;
    public uint RdevMajor;
    public uint RdevMinor;
    public uint DevMajor;
    public uint DevMinor;

    public readonly ulong Device => FileType.MakeDev(DevMajor, DevMinor);

    public readonly ulong Rdev => FileType.MakeDev(RdevMajor, RdevMinor);

    public readonly bool IsDirectory => FileType.IsDirectory(Mode);

    public readonly bool IsRegular => FileType.IsRegular(Mode);

    public readonly bool IsSymlink => FileType.IsSymlink(Mode);

    /// <summary>The kernel's overlay whiteout: a character device with device number 0/0.</summary>
    public readonly bool IsWhiteoutDevice => FileType.IsCharDevice(Mode) && RdevMajor == 0 && RdevMinor == 0;
}
