using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_kstatfs (80 bytes), which is also the whole of fuse_statfs_out.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FuseKStatfs
{
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public uint BlockSize;
    public uint NameLength;
    public uint FragmentSize;
    public uint Padding;
    public fixed uint Spare[6];
}
