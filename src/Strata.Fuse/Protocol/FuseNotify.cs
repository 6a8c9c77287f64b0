using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>Codes of the notifications a server writes unasked (out-header unique 0, error = the code).</summary>
public enum FuseNotifyCode
{
    Poll = 1,
    InvalidateInode = 2,
    InvalidateEntry = 3,
    Store = 4,
    Retrieve = 5,
    Delete = 6,
}

/// <summary>struct fuse_notify_inval_inode_out: drop cached attributes and the given range of cached data.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseNotifyInvalidateInodeOut
{
    public ulong NodeId;
    public long Offset;
    public long Length;
}

/// <summary>struct fuse_notify_inval_entry_out, followed by the name and a NUL.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseNotifyInvalidateEntryOut
{
    public ulong Parent;
    public uint NameLength;
    public uint Flags;
}

/// <summary>struct fuse_notify_delete_out, followed by the name and a NUL.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseNotifyDeleteOut
{
    public ulong Parent;
    public ulong Child;
    public uint NameLength;
    public uint Padding;
}

/// <summary>struct fuse_backing_map: the argument of FUSE_DEV_IOC_BACKING_OPEN.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseBackingMap
{
    public int Fd;
    public uint Flags;
    public ulong Padding;
}

/// <summary>ioctls on /dev/fuse (_IOR/_IOW with type 229).</summary>
public static class FuseDeviceIoctl
{
    /// <summary>_IOR(229, 0, uint32_t): make a fresh /dev/fuse fd serve the same connection.</summary>
    public const uint Clone = 0x8004E500;

    /// <summary>_IOW(229, 1, struct fuse_backing_map): register a backing file for passthrough; returns its id.</summary>
    public const uint BackingOpen = 0x4010E501;

    /// <summary>_IOW(229, 2, uint32_t): drop a backing id.</summary>
    public const uint BackingClose = 0x4004E502;
}
