using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_in_header (40 bytes): starts every request read from /dev/fuse.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInHeader
{
    /// <summary>Length of the whole request, header included.</summary>
    public uint Length;
    public FuseOpcode Opcode;
    public ulong Unique;
    public ulong NodeId;
    public uint Uid;
    public uint Gid;
    public uint Pid;
    /// <summary>total_extlen in newer kernels (extensions we never negotiate).</summary>
    public ushort TotalExtLength;
    public ushort Padding;
}

/// <summary>struct fuse_out_header (16 bytes): starts every reply; <see cref="Error"/> is 0 or a negative errno.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOutHeader
{
    /// <summary>Length of the whole reply, header included.</summary>
    public uint Length;
    public int Error;
    public ulong Unique;
}
