using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_open_out (16 bytes): the reply to OPEN, OPENDIR and (after the entry) CREATE.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOpenOut
{
    /// <summary>Handle the kernel passes back on every later request on this open file.</summary>
    public ulong Fh;
    /// <summary><see cref="FuseOpenFlags"/> bits.</summary>
    public uint OpenFlags;
    /// <summary>With <see cref="FuseOpenFlags.Passthrough"/>: the id FUSE_DEV_IOC_BACKING_OPEN returned.</summary>
    public int BackingId;
}
