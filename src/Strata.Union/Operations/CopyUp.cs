using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Handles;
using Strata.Union.Nodes;
using Strata.Union.Watching;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// Copy-up: brings a lower object into the upper dir before it is changed. Parents first (dirs alone, with
/// mode, owner, times and xattrs); the copy is built in the work dir, synced, then renamed into place. The copy
/// records its origin and its parent becomes impure (<see cref="OriginRecorder"/>). Callers hold the engine lock.
/// </summary>
internal sealed class CopyUp(LayerStack layers, WorkDir work, NodeTable nodes, OriginRecorder origins, LowerHandles lowerHandles)
{
    /// <summary>Told of each node copied up: the copy has attributes of its own (ctime; link count 1).</summary>
    public IUnionChangeSink? Changes { get; set; }

    private const int DirOpenFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    // Set once the work dir's filesystem turns O_TMPFILE down: the copies are named ones from then on.
    private bool _noNamelessFiles;

    /// <summary>Makes sure the node's top instance is in the upper dir.</summary>
    public int Ensure(Node node) =>
        node.IsDirectory ? EnsureDir(node) : EnsureNonDir(node);

    /// <summary>Makes sure the directory has an upper instance (the dir alone, not its contents).</summary>
    public int EnsureDir(Node dir)
    {
        if (layers.IsReadOnly)
            return -Errno.EROFS;
        if (dir.Dirs.Length > 0 && layers.IsUpper(dir.Dirs[0].Layer))
            return 0;
        Node? parent = dir.Parent;
        if (parent is null || dir.Dirs.Length == 0)
            return -Errno.ENOENT;
        int rc = EnsureDir(parent);
        if (rc < 0)
            return rc;
        int fromLayer = dir.Dirs[0].Layer;
        int from = parent.DirFdIn(fromLayer);
        if (from < 0)
            return -Errno.ENOENT;
        rc = CopyEntry(from, dir.Name, fromLayer, parent.Dirs[0].Fd, out int upperFd, out _);
        if (rc < 0)
            return rc;
        nodes.AddUpperDir(dir, new DirInstance(0, upperFd, false));
        Changes?.AttributesChanged(dir.Id);
        return 0;
    }

    private int EnsureNonDir(Node node)
    {
        if (layers.IsReadOnly)
            return -Errno.EROFS;
        if (layers.IsUpper(node.TopLayer))
            return 0;
        if (node.Parent is null)
            return -Errno.ENOENT;
        int rc = CopyName(node.Parent, node.Name, node.TopLayer);
        if (rc == 0)
        {
            node.TopLayer = 0;
            Changes?.AttributesChanged(node.Id);
            lowerHandles.MoveToUpper(node);
        }
        return rc;
    }

    /// <summary>Copies up <paramref name="name"/> of parent (a dir alone) from layer <paramref name="fromLayer"/>, for a name no node stands for.</summary>
    public int CopyName(Node parent, ReadOnlySpan<byte> name, int fromLayer)
    {
        int rc = EnsureDir(parent);
        if (rc < 0)
            return rc;
        int from = parent.DirFdIn(fromLayer);
        if (from < 0)
            return -Errno.ENOENT;
        rc = CopyEntry(from, name, fromLayer, parent.Dirs[0].Fd, out int dirFd, out StatX copied);
        if (dirFd >= 0)
            Sys.Close(dirFd);
        // A copy of a hard-linked lower file breaks the link: it now has the upper's number, which the
        // parent's listing must show too.
        if (rc == 0 && !copied.IsDirectory && copied.LinkCount != 1)
            Changes?.ListingChanged(parent.Id);
        return rc;
    }

    // Builds the copy in the work dir, then gives it the same name in the upper parent: a regular file's is linked
    // there from a nameless file (O_TMPFILE), as the kernel's copy-up does where the upper filesystem has them
    // (no name in the work dir to make, rename and sync), anything else renamed there from a temp name.
    private int CopyEntry(int fromDir, ReadOnlySpan<byte> name, int fromLayer, int toDir, out int dirFd, out StatX st)
    {
        dirFd = -1;
        int rc = Sys.Stat(fromDir, name, out st);
        if (rc < 0)
            return rc;
        // The parent is marked first: a crash then leaves at worst an impure dir with nothing copied in it.
        rc = OverlayFormat.MarkImpure(toDir);
        if (rc < 0)
            return rc;
        // Linking the copy into the upper parent must not change the parent's times (the kernel restores them too).
        rc = Sys.FStat(toDir, out StatX parentTimes);
        if (rc < 0)
            return rc;
        rc = st.IsRegular && !_noNamelessFiles ? LinkNamelessCopy(fromDir, name, fromLayer, toDir, st) : -Errno.EOPNOTSUPP;
        if (rc == -Errno.EOPNOTSUPP)
            rc = RenameNamedCopy(fromDir, name, fromLayer, toDir, st, out dirFd);
        if (rc >= 0)
            Sys.FUtimens(toDir, ToTimeSpec(parentTimes.AccessTime), ToTimeSpec(parentTimes.ModifyTime));
        return rc;
    }

    private int LinkNamelessCopy(int fromDir, ReadOnlySpan<byte> name, int fromLayer, int toDir, in StatX st)
    {
        int copy = Sys.OpenAt(work.Fd, "."u8, OpenFlags.O_WRONLY | OpenFlags.O_TMPFILE, 0x180 /* 0600 */);
        if (copy is -Errno.EOPNOTSUPP or -Errno.EISDIR)
        {
            _noNamelessFiles = true;
            return -Errno.EOPNOTSUPP;
        }
        if (copy < 0)
            return copy;
        int rc = FillRegular(fromDir, name, fromLayer, st, copy);
        if (rc >= 0)
            rc = Sys.LinkOpenFile(copy, toDir, name);
        Sys.Close(copy);
        return rc;
    }

    private int RenameNamedCopy(int fromDir, ReadOnlySpan<byte> name, int fromLayer, int toDir, in StatX st, out int dirFd)
    {
        dirFd = -1;
        Span<byte> buffer = stackalloc byte[WorkDir.TempNameLength];
        ReadOnlySpan<byte> temp = work.NextTempName(buffer);
        int rc = BuildCopy(fromDir, name, fromLayer, temp, st);
        if (rc >= 0 && st.IsDirectory)
        {
            rc = dirFd = Sys.OpenAt(work.Fd, temp, DirOpenFlags);
        }
        if (rc >= 0)
            rc = Sys.RenameAt(work.Fd, temp, toDir, name);
        if (rc < 0)
        {
            if (dirFd >= 0)
                Sys.Close(dirFd);
            dirFd = -1;
            TreeRemover.Remove(work.Fd, temp);
            return rc;
        }
        return 0;
    }

    // The copy, complete (data, owner, mode, xattrs, origin, times), under the temp name in the work dir.
    private int BuildCopy(int fromDir, ReadOnlySpan<byte> name, int fromLayer, ReadOnlySpan<byte> temp, in StatX st)
    {
        if (!st.IsRegular)
        {
            int rc = CreateOther(fromDir, name, temp, st);
            if (rc >= 0)
                rc = CopyMetadataByName(fromDir, name, temp, st);
            if (rc >= 0)
                rc = origins.RecordCopy(fromDir, name, fromLayer, st, work.Fd, temp);
            return rc;
        }
        int copy = Sys.OpenAt(work.Fd, temp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW, 0x180 /* 0600 */);
        if (copy < 0)
            return copy;
        int filled = FillRegular(fromDir, name, fromLayer, st, copy);
        Sys.Close(copy);
        return filled;
    }

    private int CreateOther(int fromDir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> temp, in StatX st)
    {
        switch (st.Mode & FileType.S_IFMT)
        {
            case FileType.S_IFDIR:
                return Sys.MkdirAt(work.Fd, temp, 0x1C0 /* 0700 */);
            case FileType.S_IFLNK:
            {
                Span<byte> target = stackalloc byte[Sys.PathMax];
                int n = Sys.ReadLinkAt(fromDir, name, target);
                return n < 0 ? n : Sys.SymlinkAt(target[..n], work.Fd, temp);
            }
            default:
                return Sys.MknodAt(work.Fd, temp, st.Mode, st.Rdev);
        }
    }

    // A regular file's copy takes everything through the two open files: a copy-up is a few dozen system calls,
    // and each by name (or through /proc/self/fd, for an O_PATH fd's xattrs) costs a path walk more.
    private int FillRegular(int fromDir, ReadOnlySpan<byte> name, int fromLayer, in StatX st, int copy)
    {
        int src = Sys.OpenAt(fromDir, name, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW);
        if (src < 0)
            return src;
        // A file with a 512-byte block for every 512 bytes has no holes to look for (or it has blocks allocated past
        // its end as well: its holes are then copied as zeros, the same data in more space).
        int rc = Sys.CopyData(src, copy, (long)st.Size, mayHaveHoles: st.Blocks * 512 < st.Size);
        // Owner before mode: chown clears set-id bits (and security.capability, copied after).
        if (rc >= 0)
            rc = Sys.FChown(copy, st.Uid, st.Gid);
        if (rc >= 0)
            rc = Sys.FChmod(copy, st.Mode & FileType.PermissionBits);
        if (rc >= 0)
            rc = XattrCopier.Copy(src, copy);
        if (rc >= 0)
            rc = origins.RecordCopy(fromDir, name, fromLayer, st, copy);
        // Times last: everything above may touch them.
        if (rc >= 0)
            rc = Sys.FUtimens(copy, ToTimeSpec(st.AccessTime), ToTimeSpec(st.ModifyTime));
        // The copy must be on disk before it gets its name in the upper dir (but for a volatile mount); synced
        // last, its inode is written once, with everything above.
        if (rc >= 0)
            rc = layers.SyncUpper(copy);
        Sys.Close(src);
        return rc;
    }

    // Dirs, symlinks and device nodes: no fd of theirs (but an O_PATH one) takes a chown, chmod or xattr.
    private int CopyMetadataByName(int fromDir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> temp, in StatX st)
    {
        // Owner before mode: chown clears set-id bits.
        int rc = Sys.ChownAt(work.Fd, temp, st.Uid, st.Gid);
        if (rc < 0)
            return rc;
        if (!st.IsSymlink)
        {
            rc = Sys.ChmodAt(work.Fd, temp, st.Mode & FileType.PermissionBits);
            if (rc < 0)
                return rc;
        }
        int src = Sys.OpenAt(fromDir, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (src < 0)
            return src;
        int dst = Sys.OpenAt(work.Fd, temp, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (dst < 0)
        {
            Sys.Close(src);
            return dst;
        }
        rc = XattrCopier.Copy(src, dst);
        Sys.Close(src);
        Sys.Close(dst);
        if (rc < 0)
            return rc;
        // Times last: everything above may touch them.
        return Sys.UtimensAt(work.Fd, temp, ToTimeSpec(st.AccessTime), ToTimeSpec(st.ModifyTime));
    }

    private static TimeSpec ToTimeSpec(StatXTimestamp t) => new(t.Seconds, t.Nanoseconds);
}
