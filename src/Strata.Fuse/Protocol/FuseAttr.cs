using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_attr (88 bytes): the attributes of one inode as the kernel caches them.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAttr
{
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong ATime;
    public ulong MTime;
    public ulong CTime;
    public uint ATimeNsec;
    public uint MTimeNsec;
    public uint CTimeNsec;
    public uint Mode;
    public uint NLink;
    public uint Uid;
    public uint Gid;
    public uint RDev;
    public uint BlkSize;
    /// <summary>FUSE_ATTR_* bits (submount, DAX).</summary>
    public uint Flags;
}
