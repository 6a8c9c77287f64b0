namespace Strata.Posix;

/// <summary>Extended attributes of an open fd. An O_PATH fd (a symlink, a device node) is reached through its /proc/self/fd link.</summary>
public static unsafe partial class Posix
{
    private static void ProcFdPath(int fd, Span<byte> dest)
    {
        // "/proc/self/fd/" + decimal fd + NUL; dest is at least 32 bytes.
        ReadOnlySpan<byte> prefix = "/proc/self/fd/"u8;
        prefix.CopyTo(dest);
        System.Buffers.Text.Utf8Formatter.TryFormat(fd, dest[prefix.Length..], out int written);
        dest[prefix.Length + written] = 0;
    }

    /// <summary>Reads one xattr into value; returns its size, or with an empty value buffer just its size.</summary>
    public static int GetXattr(int fd, ReadOnlySpan<byte> attr, Span<byte> value)
    {
        if (attr.Length > NameMax) return -Errno.ERANGE;
        Span<byte> n = stackalloc byte[attr.Length + 1];
        if (!Terminate(attr, n)) return -Errno.EINVAL;
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            long r = Errno.Check((long)Libc.fgetxattr(fd, pn, pv, (nuint)value.Length));
            if (r != -Errno.EBADF) return (int)r;
            Span<byte> path = stackalloc byte[32];
            ProcFdPath(fd, path);
            fixed (byte* pp = path) return (int)Errno.Check((long)Libc.getxattr(pp, pn, pv, (nuint)value.Length));
        }
    }

    public static int SetXattr(int fd, ReadOnlySpan<byte> attr, ReadOnlySpan<byte> value, int flags = 0)
    {
        if (attr.Length > NameMax) return -Errno.ERANGE;
        Span<byte> n = stackalloc byte[attr.Length + 1];
        if (!Terminate(attr, n)) return -Errno.EINVAL;
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            int r = Errno.Check(Libc.fsetxattr(fd, pn, pv, (nuint)value.Length, flags));
            if (r != -Errno.EBADF) return r;
            Span<byte> path = stackalloc byte[32];
            ProcFdPath(fd, path);
            fixed (byte* pp = path) return Errno.Check(Libc.setxattr(pp, pn, pv, (nuint)value.Length, flags));
        }
    }

    /// <summary>The NUL-separated list of xattr names into list; returns its length (or the size needed, with an empty list).</summary>
    public static int ListXattr(int fd, Span<byte> list)
    {
        fixed (byte* pl = list)
        {
            long r = Errno.Check((long)Libc.flistxattr(fd, pl, (nuint)list.Length));
            if (r != -Errno.EBADF) return (int)r;
            Span<byte> path = stackalloc byte[32];
            ProcFdPath(fd, path);
            fixed (byte* pp = path) return (int)Errno.Check((long)Libc.listxattr(pp, pl, (nuint)list.Length));
        }
    }

    public static int RemoveXattr(int fd, ReadOnlySpan<byte> attr)
    {
        if (attr.Length > NameMax) return -Errno.ERANGE;
        Span<byte> n = stackalloc byte[attr.Length + 1];
        if (!Terminate(attr, n)) return -Errno.EINVAL;
        fixed (byte* pn = n)
        {
            int r = Errno.Check(Libc.fremovexattr(fd, pn));
            if (r != -Errno.EBADF) return r;
            Span<byte> path = stackalloc byte[32];
            ProcFdPath(fd, path);
            fixed (byte* pp = path) return Errno.Check(Libc.removexattr(pp, pn));
        }
    }

    /// <summary>
    /// How one entry of an open dir is named for its xattrs, NUL-terminated into dest: the name alone for the
    /// *xattrat calls (relative to the dir fd), or "/proc/self/fd/DIRFD/NAME" for the l* calls, which reach it in one
    /// call without an fd of its own and without resolving anything from "/" (the magic link is the dir itself; NAME
    /// is one component, and the l* calls do not follow it). False when the name cannot be one component.
    /// </summary>
    private static bool EntryPath(int dirFd, ReadOnlySpan<byte> name, bool xattrAt, Span<byte> dest)
    {
        if (name.IsEmpty || name.IndexOf((byte)'/') >= 0 || name.IndexOf((byte)0) >= 0 || name.Length > NameMax)
            return false;
        int at = 0;
        if (!xattrAt)
        {
            ProcFdPath(dirFd, dest);
            at = dest.IndexOf((byte)0);
            dest[at++] = (byte)'/';
        }
        name.CopyTo(dest[at..]);
        dest[at + name.Length] = 0;
        return true;
    }

    // "/proc/self/fd/" + an fd + "/" + NAME + NUL at most.
    private const int EntryPathMax = 32 + NameMax + 2;

    // The entry's path (see EntryPath) and the xattr's name, NUL-terminated (attrZ: NameMax + 1 bytes); 0 or an errno.
    private static int EntryAndAttr(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attr, bool xattrAt, Span<byte> path, Span<byte> attrZ)
    {
        if (attr.Length > NameMax) return -Errno.ERANGE;
        return EntryPath(dirFd, name, xattrAt, path) && Terminate(attr, attrZ) ? 0 : -Errno.EINVAL;
    }

    /// <summary>One xattr of a dir entry (a symlink's own, not its target's), as <see cref="GetXattr"/>, in one syscall.</summary>
    public static int GetXattrAt(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attr, Span<byte> value)
    {
        bool xattrAt = XattrAtCalls.Available;
        Span<byte> path = stackalloc byte[EntryPathMax];
        Span<byte> n = stackalloc byte[NameMax + 1];
        int rc = EntryAndAttr(dirFd, name, attr, xattrAt, path, n);
        if (rc < 0) return rc;
        fixed (byte* pp = path)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            if (!xattrAt)
                return (int)Errno.Check((long)Libc.lgetxattr(pp, pn, pv, (nuint)value.Length));
            var args = new XattrArgs { Value = (ulong)pv, Size = (uint)value.Length };
            return (int)Errno.Check(Libc.syscall6(XattrAtCalls.GetXattrAt, dirFd, (long)pp, OpenFlags.AT_SYMLINK_NOFOLLOW,
                (long)pn, (long)&args, sizeof(XattrArgs)));
        }
    }

    /// <summary>Sets one xattr of a dir entry (a symlink's own, a fifo's without opening it), in one syscall.</summary>
    public static int SetXattrAt(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attr, ReadOnlySpan<byte> value, int flags = 0)
    {
        bool xattrAt = XattrAtCalls.Available;
        Span<byte> path = stackalloc byte[EntryPathMax];
        Span<byte> n = stackalloc byte[NameMax + 1];
        int rc = EntryAndAttr(dirFd, name, attr, xattrAt, path, n);
        if (rc < 0) return rc;
        fixed (byte* pp = path)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            if (!xattrAt)
                return Errno.Check(Libc.lsetxattr(pp, pn, pv, (nuint)value.Length, flags));
            var args = new XattrArgs { Value = (ulong)pv, Size = (uint)value.Length, Flags = (uint)flags };
            return (int)Errno.Check(Libc.syscall6(XattrAtCalls.SetXattrAt, dirFd, (long)pp, OpenFlags.AT_SYMLINK_NOFOLLOW,
                (long)pn, (long)&args, sizeof(XattrArgs)));
        }
    }

    /// <summary>The xattr names of a dir entry, as <see cref="ListXattr"/>, in one syscall.</summary>
    public static int ListXattrAt(int dirFd, ReadOnlySpan<byte> name, Span<byte> list)
    {
        bool xattrAt = XattrAtCalls.Available;
        Span<byte> path = stackalloc byte[EntryPathMax];
        if (!EntryPath(dirFd, name, xattrAt, path)) return -Errno.EINVAL;
        fixed (byte* pp = path)
        fixed (byte* pl = list)
        {
            if (!xattrAt)
                return (int)Errno.Check((long)Libc.llistxattr(pp, pl, (nuint)list.Length));
            return (int)Errno.Check(Libc.syscall6(XattrAtCalls.ListXattrAt, dirFd, (long)pp, OpenFlags.AT_SYMLINK_NOFOLLOW,
                (long)pl, list.Length, 0));
        }
    }

    /// <summary>Removes one xattr of a dir entry (a symlink's own), in one syscall.</summary>
    public static int RemoveXattrAt(int dirFd, ReadOnlySpan<byte> name, ReadOnlySpan<byte> attr)
    {
        bool xattrAt = XattrAtCalls.Available;
        Span<byte> path = stackalloc byte[EntryPathMax];
        Span<byte> n = stackalloc byte[NameMax + 1];
        int rc = EntryAndAttr(dirFd, name, attr, xattrAt, path, n);
        if (rc < 0) return rc;
        fixed (byte* pp = path)
        fixed (byte* pn = n)
        {
            if (!xattrAt)
                return Errno.Check(Libc.lremovexattr(pp, pn));
            return (int)Errno.Check(Libc.syscall6(XattrAtCalls.RemoveXattrAt, dirFd, (long)pp, OpenFlags.AT_SYMLINK_NOFOLLOW,
                (long)pn, 0, 0));
        }
    }
}
