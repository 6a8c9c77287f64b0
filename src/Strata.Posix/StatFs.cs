using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>struct statfs for 64-bit Linux (x86_64 and arm64 agree).</summary>
[StructLayout(LayoutKind.Sequential, Size = 120)]
public struct StatFs
{
    public long Type;
    public long BlockSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FsId;
    public long NameMax;
    public long FragmentSize;
    public long Flags;
}
