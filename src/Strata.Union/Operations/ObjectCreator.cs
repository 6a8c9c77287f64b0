using Strata.Posix;
using Strata.Union.Acls;
using Strata.Union.Format;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// create, mkdir, mknod, symlink and link: the new object goes into the upper instance of the (copied-up)
/// parent. Over a whiteout, or when it must be opaque, it is built in the work dir and renamed into place
/// so that no half-made object is ever visible.
/// </summary>
internal sealed class ObjectCreator(Engine engine)
{
    /// <summary>Makes the object; for a hard link <paramref name="linkSource"/> is the (copied-up) node to link.</summary>
    public int Make(in Caller caller, Node parent, ReadOnlySpan<byte> name, ObjectKind kind, uint mode, ulong rdev,
        ReadOnlySpan<byte> target, Node? linkSource)
    {
        int rc = Prepare(parent, name, out Resolution existing);
        if (rc < 0)
            return rc;
        using (existing)
        {
            int upper = parent.Dirs[0].Fd;
            rc = OwnerIn(caller, upper, kind, mode, out NewOwner owner, out InheritedAcls? acls);
            if (rc < 0)
                return rc;
            // A link to an object that keeps a lower object's inode number makes its new dir impure (ovl_link).
            if (linkSource is { Identity.FromLower: true })
            {
                rc = OverlayFormat.MarkImpure(upper);
                if (rc < 0)
                    return rc;
            }
            // A dir that replaces an upper whiteout is made opaque, as the kernel does: a whiteout in a lower
            // layer already stops the merge below it, so the kernel leaves the new dir plain there. A new dir in a
            // merged dir is made opaque too when the layers may not change offline (ovl_create_upper).
            bool opaque = kind == ObjectKind.Directory &&
                (existing.UpperWhiteout || parent.Dirs.Length > 1 && !engine.Features.AllowsOfflineChanges);
            if (!existing.UpperWhiteout && !opaque)
            {
                rc = Build(owner, acls, upper, name, kind, rdev, target, linkSource, opaque: false);
                if (rc < 0)
                    return rc;
                return 0;
            }
            Span<byte> buffer = stackalloc byte[WorkDir.TempNameLength];
            ReadOnlySpan<byte> temp = engine.Work.NextTempName(buffer);
            int work = engine.Work.Fd;
            rc = Build(owner, acls, work, temp, kind, rdev, target, linkSource, opaque);
            if (rc < 0)
                return rc;
            if (!existing.UpperWhiteout)
                rc = Sys.RenameAt(work, temp, upper, name, OpenFlags.RENAME_NOREPLACE);
            else if (kind == ObjectKind.Directory)
            {
                // A dir cannot be renamed over a non-dir: swap it with the whiteout, then drop the whiteout.
                rc = Sys.RenameAt(work, temp, upper, name, OpenFlags.RENAME_EXCHANGE);
                if (rc == 0)
                    return Sys.UnlinkAt(work, temp, false);
            }
            else
                rc = Sys.RenameAt(work, temp, upper, name);
            if (rc < 0)
                TreeRemover.Remove(work, temp);
            return rc;
        }
    }

    /// <summary>
    /// create(2) of a new regular file: made and opened in one call (with the caller's flags) so that its fd is
    /// the open file's handle, and its attributes read from that fd. Over an upper whiteout it is made in the
    /// work dir and renamed into place, the fd staying valid. -EEXIST when the name exists.
    /// </summary>
    public int CreateFile(in Caller caller, Node parent, ReadOnlySpan<byte> name, uint mode, int flags, out int fd, out StatX st)
    {
        fd = -1;
        st = default;
        int rc = Prepare(parent, name, out Resolution existing);
        if (rc < 0)
            return rc;
        using (existing)
        {
            int upper = parent.Dirs[0].Fd;
            rc = OwnerIn(caller, upper, ObjectKind.File, mode, out NewOwner owner, out InheritedAcls? acls);
            if (rc < 0)
                return rc;
            Span<byte> buffer = stackalloc byte[WorkDir.TempNameLength];
            ReadOnlySpan<byte> temp = existing.UpperWhiteout ? engine.Work.NextTempName(buffer) : default;
            int dirFd = existing.UpperWhiteout ? engine.Work.Fd : upper;
            ReadOnlySpan<byte> at = existing.UpperWhiteout ? temp : name;
            int openFlags = (flags & ~(OpenFlags.O_TRUNC | OpenFlags.O_CREAT | OpenFlags.O_EXCL)) | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW;
            fd = Sys.OpenAt(dirFd, at, openFlags, mode & FileType.PermissionBits);
            if (fd < 0)
                return fd;
            rc = SetOwnerAndMode(owner, acls, fd);
            if (rc >= 0 && existing.UpperWhiteout)
                rc = Sys.RenameAt(dirFd, temp, upper, name);
            if (rc >= 0)
                rc = Sys.FStat(fd, out st);
            if (rc < 0)
            {
                Sys.Close(fd);
                fd = -1;
                Sys.UnlinkAt(dirFd, at, false);
            }
            return rc;
        }
    }

    // What every new name goes through: a writable union, a free name, and the parent in the upper dir. The
    // resolution (whiteouts at the name) is the caller's to dispose when this succeeds.
    private int Prepare(Node parent, ReadOnlySpan<byte> name, out Resolution existing)
    {
        existing = default;
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = engine.Resolver.Resolve(parent, name, out existing);
        if (rc < 0)
            return rc;
        rc = existing.Found ? -Errno.EEXIST : engine.CopyUp.EnsureDir(parent);
        if (rc < 0)
        {
            existing.Dispose();
            existing = default;
        }
        return rc;
    }

    /// <summary>Gives a new file, open as <paramref name="fd"/>, its owner, mode and inherited ACLs (create(2), O_TMPFILE).</summary>
    internal int SetOwnerAndMode(in NewOwner owner, InheritedAcls? acls, int fd)
    {
        int rc = engine.NeedsChown(owner) ? Sys.FChown(fd, owner.Uid, owner.Gid) : 0;
        // The mode exactly as worked out (umask or inherited ACL); chown may have cleared set-id bits.
        if (rc >= 0)
            rc = Sys.FChmod(fd, owner.Mode & FileType.PermissionBits);
        return rc >= 0 && acls is not null ? acls.ApplyTo(fd) : rc;
    }

    /// <summary>
    /// The new object's owner, mode and inherited ACLs, from the upper instance of its parent (copied up with its
    /// xattrs, so the merged dir's). The caller's umask applies unless the parent has a default ACL; symlinks and
    /// links take neither.
    /// </summary>
    internal static int OwnerIn(in Caller caller, int upperParent, ObjectKind kind, uint mode, out NewOwner owner, out InheritedAcls? acls)
    {
        owner = default;
        acls = null;
        int rc = Sys.FStat(upperParent, out StatX parentStat);
        if (rc >= 0 && kind is not (ObjectKind.Symlink or ObjectKind.HardLink))
            rc = InheritedAcls.For(upperParent, kind == ObjectKind.Directory, caller.Umask, ref mode, out acls);
        if (rc >= 0)
            owner = NewOwner.For(caller, parentStat, kind == ObjectKind.Directory, mode);
        return rc;
    }

    private int Build(in NewOwner owner, InheritedAcls? acls, int dirFd, ReadOnlySpan<byte> name, ObjectKind kind, ulong rdev,
        ReadOnlySpan<byte> target, Node? linkSource, bool opaque)
    {
        int rc = kind switch
        {
            ObjectKind.File => CreateFile(dirFd, name, owner.Mode),
            ObjectKind.Directory => Sys.MkdirAt(dirFd, name, owner.Mode & FileType.PermissionBits),
            ObjectKind.Device => Sys.MknodAt(dirFd, name, owner.Mode, rdev),
            ObjectKind.Symlink => Sys.SymlinkAt(target, dirFd, name),
            // A nameless file (O_TMPFILE) is linked from its fd, a named one by its name in the upper parent.
            _ => linkSource!.Unnamed is { } unnamed
                ? Sys.LinkOpenFile(unnamed.Fd, dirFd, name)
                : Sys.LinkAt(linkSource.Parent!.Dirs[0].Fd, linkSource.Name, dirFd, name),
        };
        if (rc < 0 || kind == ObjectKind.HardLink)
            return rc;
        rc = SetOwnerAndMode(owner, acls, dirFd, name, kind);
        if (rc >= 0 && opaque)
        {
            int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW);
            rc = fd < 0 ? fd : OverlayFormat.MarkOpaque(fd);
            if (fd >= 0)
                Sys.Close(fd);
        }
        if (rc < 0)
            TreeRemover.Remove(dirFd, name);
        return rc;
    }

    private static int CreateFile(int dirFd, ReadOnlySpan<byte> name, uint mode)
    {
        int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW,
            mode & FileType.PermissionBits);
        return fd < 0 ? fd : Sys.Close(fd);
    }

    private int SetOwnerAndMode(in NewOwner owner, InheritedAcls? acls, int dirFd, ReadOnlySpan<byte> name, ObjectKind kind)
    {
        int rc = engine.NeedsChown(owner) ? Sys.ChownAt(dirFd, name, owner.Uid, owner.Gid) : 0;
        // The mode exactly as worked out (umask or inherited ACL); chown may have cleared set-id bits.
        if (rc < 0 || kind == ObjectKind.Symlink)
            return rc;
        rc = Sys.ChmodAt(dirFd, name, owner.Mode & FileType.PermissionBits);
        return rc >= 0 && acls is not null ? acls.ApplyAt(dirFd, name) : rc;
    }
}
