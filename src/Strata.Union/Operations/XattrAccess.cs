using System.Buffers;
using Strata.Posix;
using Strata.Union.Acls;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>User-visible xattrs of a node's top instance; the overlay's own trusted.overlay.* stay hidden.</summary>
internal sealed class XattrAccess(Engine engine)
{
    public static int Get(Node node, ReadOnlySpan<byte> name, Span<byte> value)
    {
        if (OverlayFormat.IsPrivateXattr(name))
            return -Errno.ENODATA;
        // The common case (ls -l asks for every entry's, the kernel for security.capability at each chown) in one
        // syscall: no fd for the entry.
        if (IsNamedEntry(node))
        {
            int parentFd = node.ParentFd;
            return parentFd < 0 ? -Errno.ENOENT : Sys.GetXattrAt(parentFd, node.Name, name, value);
        }
        int fd = OwnFd(node);
        return fd < 0 ? fd : Sys.GetXattr(fd, name, value);
    }

    /// <summary>The names, without the overlay's own; trusted.* only for a caller who may see them (the kernel's rule).</summary>
    public static int List(Node node, Span<byte> list, bool withTrusted)
    {
        int size = ListRaw(node, Span<byte>.Empty);
        if (size <= 0)
            return size;
        byte[] raw = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            size = ListRaw(node, raw);
            return size < 0 ? size : Filter(raw.AsSpan(0, size), list, withTrusted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static int ListRaw(Node node, Span<byte> raw)
    {
        if (IsNamedEntry(node))
        {
            int parentFd = node.ParentFd;
            return parentFd < 0 ? -Errno.ENOENT : Sys.ListXattrAt(parentFd, node.Name, raw);
        }
        int fd = OwnFd(node);
        return fd < 0 ? fd : Sys.ListXattr(fd, raw);
    }

    // Copies the names outside trusted.overlay.* (and trusted.* unless withTrusted) into list (or only counts, for an empty list).
    private static int Filter(ReadOnlySpan<byte> raw, Span<byte> list, bool withTrusted)
    {
        int length = 0;
        while (!raw.IsEmpty)
        {
            int end = raw.IndexOf((byte)0);
            int entry = end < 0 ? raw.Length : end + 1;
            ReadOnlySpan<byte> name = raw[..entry];
            raw = raw[entry..];
            if (OverlayFormat.IsPrivateXattr(name) || (!withTrusted && name.StartsWith("trusted."u8)))
                continue;
            if (!list.IsEmpty)
            {
                if (length + name.Length > list.Length)
                    return -Errno.ERANGE;
                name.CopyTo(list[length..]);
            }
            length += name.Length;
        }
        return length;
    }

    public int Set(in Caller caller, Node node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        if (OverlayFormat.IsPrivateXattr(name))
            return -Errno.EPERM;
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = engine.CopyUp.Ensure(node);
        if (rc >= 0)
            rc = DropSetGidForAcl(caller, node, name);
        if (rc < 0)
            return rc;
        if (IsNamedEntry(node))
        {
            int parentFd = node.ParentFd;
            return parentFd < 0 ? -Errno.ENOENT : Sys.SetXattrAt(parentFd, node.Name, name, value, flags);
        }
        int fd = OwnFd(node);
        return fd < 0 ? fd : Sys.SetXattr(fd, name, value, flags);
    }

    public int Remove(in Caller caller, Node node, ReadOnlySpan<byte> name)
    {
        if (OverlayFormat.IsPrivateXattr(name))
            return -Errno.EPERM;
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        // No copy-up just to learn that there is nothing to remove; an upper object's own filesystem answers (ext4
        // removes an absent ACL without complaint), as the kernel's ovl_xattr_set and ovl_set_or_remove_acl check
        // only a lower object first.
        int rc = engine.Layers.IsUpper(node.TopLayer) ? 0 : Get(node, name, Span<byte>.Empty);
        if (rc < 0)
            return rc;
        rc = engine.CopyUp.Ensure(node);
        if (rc >= 0)
            rc = DropSetGidForAcl(caller, node, name);
        if (rc < 0)
            return rc;
        if (IsNamedEntry(node))
        {
            int parentFd = node.ParentFd;
            return parentFd < 0 ? -Errno.ENOENT : Sys.RemoveXattrAt(parentFd, node.Name, name);
        }
        int fd = OwnFd(node);
        return fd < 0 ? fd : Sys.RemoveXattr(fd, name);
    }

    /// <summary>
    /// A change of the access ACL by a caller outside the object's group drops its setgid bit, as the kernel's
    /// ovl_set_acl does before it sets the ACL with the mounter's rights (which would keep the bit). The object is
    /// upper by now.
    /// </summary>
    private int DropSetGidForAcl(in Caller caller, Node node, ReadOnlySpan<byte> name)
    {
        if (!name.SequenceEqual(PosixAcl.AccessName))
            return 0;
        int rc = engine.Stat(node, out StatX st);
        if (rc < 0 || (st.Mode & FileType.S_ISGID) == 0 || caller.InGroupOrCapable(st.Gid) != false)
            return rc;
        return Engine.ChmodTop(node, st.Mode & ~FileType.S_ISGID);
    }

    // Anything but a dir or a nameless file is reached by its name in its top parent dir: one syscall, no fd of its
    // own, symlinks and device nodes included (their own xattrs; a fifo is not opened).
    private static bool IsNamedEntry(Node node) => !node.IsDirectory && node.Unnamed is null;

    // The fd a dir or a nameless file keeps open.
    private static int OwnFd(Node node)
    {
        if (node.Unnamed is { } unnamed)
            return unnamed.Fd;
        return node.Dirs.Length > 0 ? node.Dirs[0].Fd : -Errno.ENOENT;
    }
}
