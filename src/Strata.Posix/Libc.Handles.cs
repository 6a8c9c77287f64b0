using System.Runtime.InteropServices;

namespace Strata.Posix;

public static unsafe partial class Libc
{
    /// <summary>MAX_HANDLE_SZ: the largest file handle any filesystem gives.</summary>
    public const int MAX_HANDLE_SZ = 128;

    /// <summary>FS_IOC_GETFSUUID: _IOR(0x15, 0, struct fsuuid2).</summary>
    public const nuint FS_IOC_GETFSUUID = 0x80111500;

    [LibraryImport(C, EntryPoint = "name_to_handle_at", SetLastError = true)]
    public static partial int name_to_handle_at(int dirfd, byte* path, FileHandleBuffer* handle, int* mountId, int flags);

    [LibraryImport(C, EntryPoint = "open_by_handle_at", SetLastError = true)]
    public static partial int open_by_handle_at(int mountFd, FileHandleBuffer* handle, int flags);
}

/// <summary>struct file_handle with room for the largest handle (MAX_HANDLE_SZ bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FileHandleBuffer
{
    public uint HandleBytes;
    public int HandleType;
    public fixed byte Handle[Libc.MAX_HANDLE_SZ];
}

/// <summary>struct fsuuid2: the filesystem's uuid as the kernel keeps it (s_uuid).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FsUuid2
{
    public byte Length;
    public fixed byte Uuid[16];
}
