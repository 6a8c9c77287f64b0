namespace Strata.Posix;

/// <summary>
/// Exportable file handles (name_to_handle_at / open_by_handle_at) and the filesystem uuid: what overlayfs
/// records in trusted.overlay.origin to find the lower object an upper one was copied from.
/// </summary>
public static unsafe partial class Posix
{
    /// <summary>
    /// The file handle of a name in a directory (never following a final symlink; an empty name means dirfd
    /// itself) into <paramref name="handle"/>; returns its length in bytes, or a negative errno (EOPNOTSUPP when
    /// the filesystem cannot export handles).
    /// </summary>
    public static int NameToHandle(int dirfd, ReadOnlySpan<byte> name, Span<byte> handle, out int handleType)
    {
        handleType = 0;
        if (name.Length >= PathMax) return -Errno.ENAMETOOLONG;
        Span<byte> z = stackalloc byte[name.Length + 1];
        if (!Terminate(name, z)) return -Errno.EINVAL;
        FileHandleBuffer buffer = default;
        buffer.HandleBytes = Libc.MAX_HANDLE_SZ;
        int mountId;
        int flags = name.IsEmpty ? OpenFlags.AT_EMPTY_PATH : 0;
        int rc;
        fixed (byte* p = z)
            rc = Errno.Check(Libc.name_to_handle_at(dirfd, p, &buffer, &mountId, flags));
        if (rc < 0) return rc;
        int length = (int)buffer.HandleBytes;
        if (length > handle.Length) return -Errno.EOVERFLOW;
        new ReadOnlySpan<byte>(buffer.Handle, length).CopyTo(handle);
        handleType = buffer.HandleType;
        return length;
    }

    /// <summary>Opens the object a file handle names on the filesystem of <paramref name="mountFd"/> (needs CAP_DAC_READ_SEARCH).</summary>
    public static int OpenByHandle(int mountFd, ReadOnlySpan<byte> handle, int handleType, int flags)
    {
        if (handle.Length > Libc.MAX_HANDLE_SZ) return -Errno.EINVAL;
        FileHandleBuffer buffer = default;
        buffer.HandleBytes = (uint)handle.Length;
        buffer.HandleType = handleType;
        handle.CopyTo(new Span<byte>(buffer.Handle, Libc.MAX_HANDLE_SZ));
        return Errno.Check(Libc.open_by_handle_at(mountFd, &buffer, flags | OpenFlags.O_CLOEXEC));
    }

    /// <summary>
    /// The uuid of the filesystem holding fd, as the kernel keeps it for that superblock (16 bytes, zero when the
    /// filesystem has none); 0 or a negative errno.
    /// </summary>
    public static int GetFsUuid(int fd, Span<byte> uuid)
    {
        uuid[..16].Clear();
        FsUuid2 value = default;
        int rc = Errno.Check(Libc.ioctl(fd, Libc.FS_IOC_GETFSUUID, &value));
        // Filesystems that never set a uuid do not answer the ioctl; the kernel's s_uuid is null for them.
        if (rc == -Errno.ENOTTY || rc == -Errno.EINVAL) return 0;
        if (rc < 0) return rc;
        new ReadOnlySpan<byte>(value.Uuid, Math.Min((int)value.Length, 16)).CopyTo(uuid);
        return 0;
    }
}
