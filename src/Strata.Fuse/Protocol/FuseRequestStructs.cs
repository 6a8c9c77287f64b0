using System.Runtime.InteropServices;

namespace Strata.Fuse;

// The fixed parts of requests that follow the in-header; names and data come after them.

/// <summary>struct fuse_forget_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseForgetIn
{
    public ulong NLookup;
}

/// <summary>struct fuse_forget_one: one element of a BATCH_FORGET.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseForgetOne
{
    public ulong NodeId;
    public ulong NLookup;
}

/// <summary>struct fuse_batch_forget_in: followed by <see cref="Count"/> <see cref="FuseForgetOne"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseBatchForgetIn
{
    public uint Count;
    public uint Dummy;
}

/// <summary>struct fuse_getattr_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetAttrIn
{
    public uint GetAttrFlags;
    public uint Dummy;
    public ulong Fh;
}

/// <summary>struct fuse_mknod_in: followed by the name.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseMkNodIn
{
    public uint Mode;
    public uint RDev;
    public uint Umask;
    public uint Padding;
}

/// <summary>struct fuse_mkdir_in: followed by the name.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseMkDirIn
{
    public uint Mode;
    public uint Umask;
}

/// <summary>struct fuse_rename_in: followed by the old and the new name.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseRenameIn
{
    public ulong NewDir;
}

/// <summary>struct fuse_rename2_in: followed by the old and the new name.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseRename2In
{
    public ulong NewDir;
    public uint Flags;
    public uint Padding;
}

/// <summary>struct fuse_link_in: followed by the new name; the header's node id is the new parent.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseLinkIn
{
    public ulong OldNodeId;
}

/// <summary>struct fuse_open_in (OPEN and OPENDIR).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseOpenIn
{
    public uint Flags;
    public uint OpenFlags;
}

/// <summary>struct fuse_create_in: followed by the name.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseCreateIn
{
    public uint Flags;
    public uint Mode;
    public uint Umask;
    public uint OpenFlags;
}

/// <summary>struct fuse_release_in (RELEASE and RELEASEDIR).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseReleaseIn
{
    public ulong Fh;
    public uint Flags;
    public uint ReleaseFlags;
    public ulong LockOwner;
}

/// <summary>struct fuse_flush_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseFlushIn
{
    public ulong Fh;
    public uint Unused;
    public uint Padding;
    public ulong LockOwner;
}

/// <summary>struct fuse_read_in (READ, READDIR, READDIRPLUS).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseReadIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Size;
    public uint ReadFlags;
    public ulong LockOwner;
    public uint Flags;
    public uint Padding;
}

/// <summary>struct fuse_write_in: followed by <see cref="Size"/> bytes of data.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseWriteIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Size;
    public uint WriteFlags;
    public ulong LockOwner;
    public uint Flags;
    public uint Padding;
}

/// <summary>struct fuse_fsync_in (FSYNC and FSYNCDIR).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseFsyncIn
{
    public ulong Fh;
    public uint FsyncFlags;
    public uint Padding;
}

/// <summary>
/// struct fuse_setxattr_in in its 8-byte form (we do not negotiate FUSE_SETXATTR_EXT): followed by the name
/// and <see cref="Size"/> bytes of value.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseSetXattrIn
{
    public uint Size;
    public uint Flags;
}

/// <summary>struct fuse_getxattr_in (GETXATTR, followed by the name; LISTXATTR).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseGetXattrIn
{
    public uint Size;
    public uint Padding;
}

/// <summary>struct fuse_access_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseAccessIn
{
    public uint Mask;
    public uint Padding;
}

/// <summary>struct fuse_interrupt_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseInterruptIn
{
    public ulong Unique;
}

/// <summary>struct fuse_lseek_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseLSeekIn
{
    public ulong Fh;
    public ulong Offset;
    public uint Whence;
    public uint Padding;
}

/// <summary>struct fuse_fallocate_in.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseFallocateIn
{
    public ulong Fh;
    public ulong Offset;
    public ulong Length;
    public uint Mode;
    public uint Padding;
}

/// <summary>struct fuse_copy_file_range_in (COPY_FILE_RANGE and COPY_FILE_RANGE_64); the header's node id is the source.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseCopyFileRangeIn
{
    public ulong FhIn;
    public ulong OffsetIn;
    public ulong NodeIdOut;
    public ulong FhOut;
    public ulong OffsetOut;
    public ulong Length;
    public ulong Flags;
}
