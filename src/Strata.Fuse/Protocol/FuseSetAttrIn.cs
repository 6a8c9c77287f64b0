using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_setattr_in (88 bytes): only the fields named in <see cref="Valid"/> are meant.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseSetAttrIn
{
    public FuseSetAttrValid Valid;
    public uint Padding;
    public ulong Fh;
    public ulong Size;
    public ulong LockOwner;
    public ulong ATime;
    public ulong MTime;
    public ulong CTime;
    public uint ATimeNsec;
    public uint MTimeNsec;
    public uint CTimeNsec;
    public uint Mode;
    public uint Unused4;
    public uint Uid;
    public uint Gid;
    public uint Unused5;
}
