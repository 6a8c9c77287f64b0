using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>struct fuse_write_out.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseWriteOut
{
    public uint Size;
    public uint Padding;
}

/// <summary>struct fuse_getxattr_out: the reply to a size query (GETXATTR/LISTXATTR with size 0).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetXattrOut
{
    public uint Size;
    public uint Padding;
}

/// <summary>struct fuse_lseek_out.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseLSeekOut
{
    public ulong Offset;
}

/// <summary>struct fuse_copy_file_range_out: the reply to COPY_FILE_RANGE_64 (7.45), a count that may pass 4 GiB.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseCopyFileRangeOut
{
    public ulong BytesCopied;
}

/// <summary>struct fuse_dirent without its name: one READDIR record is this, the name, and padding to 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseDirent
{
    public ulong Ino;
    /// <summary>The offset of the next record: what the kernel passes back to continue after this one.</summary>
    public ulong Offset;
    public uint NameLength;
    public uint Type;
}
