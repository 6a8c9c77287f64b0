using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>setattr (chmod, chown, truncate, utimes): copy-up first, then change the upper instance.</summary>
internal sealed class AttributeChanger(Engine engine)
{
    /// <summary>
    /// Copies up even when nothing is to change (chown(-1, -1) arrives so): the overlay's setattr copies up first,
    /// whatever the attributes.
    /// </summary>
    public int Change(in Caller caller, Node node, in AttrChange change)
    {
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = SetIdDropped(caller, node, change, out uint dropped);
        if (rc < 0)
            return rc;
        rc = engine.CopyUp.Ensure(node);
        if (rc < 0)
            return rc;
        // Directories and nameless files are changed through their own fd, everything else by name in the upper parent.
        bool byFd = node.IsDirectory || node.Unnamed is not null;
        int dirFd = node.IsDirectory ? node.Dirs[0].Fd : node.Unnamed?.Fd ?? node.Parent!.Dirs[0].Fd;
        ReadOnlySpan<byte> name = byFd ? [] : node.Name;
        AttrChangeFlags flags = change.Flags;
        if ((flags & AttrChangeFlags.Size) != 0)
        {
            rc = Truncate(node, dirFd, name, change);
            if (rc < 0)
                return rc;
        }
        // chown(-1, -1) too: the upper's chown drops suid (and setgid with group-exec) as the overlay's does.
        if (IsChown(change))
        {
            uint uid = (flags & AttrChangeFlags.Uid) != 0 ? change.Uid : uint.MaxValue;
            uint gid = (flags & AttrChangeFlags.Gid) != 0 ? change.Gid : uint.MaxValue;
            rc = Sys.ChownAt(dirFd, name, uid, gid);
            if (rc < 0)
                return rc;
        }
        if (dropped != 0 && (flags & AttrChangeFlags.Mode) == 0)
        {
            rc = Sys.Stat(dirFd, name, out StatX st);
            if (rc >= 0)
                rc = Engine.ChmodTop(node, st.Mode & ~dropped);
            if (rc < 0)
                return rc;
        }
        if ((flags & AttrChangeFlags.Mode) != 0)
        {
            // chmod would follow a symlink (possibly out of the layer); Linux has no mode on symlinks anyway.
            if (node.Type == FileType.S_IFLNK)
                return -Errno.EOPNOTSUPP;
            rc = Engine.ChmodTop(node, change.Mode & ~dropped);
            if (rc < 0)
                return rc;
        }
        if ((flags & (AttrChangeFlags.AccessTime | AttrChangeFlags.ModifyTime)) != 0)
        {
            TimeSpec atime = (flags & AttrChangeFlags.AccessTime) != 0 ? change.AccessTime : TimeSpec.Omit;
            TimeSpec mtime = (flags & AttrChangeFlags.ModifyTime) != 0 ? change.ModifyTime : TimeSpec.Omit;
            rc = byFd ? Sys.FUtimens(dirFd, atime, mtime) : Sys.UtimensAt(dirFd, name, atime, mtime);
            if (rc < 0)
                return rc;
        }
        return 0;
    }

    /// <summary>
    /// The set-id bits a change drops (<paramref name="dropped"/>), the VFS's part that FUSE leaves to the filesystem:
    /// <list type="bullet">
    /// <item><see cref="AttrChangeFlags.KillSetId"/> (a write, fallocate or truncate by a caller without CAP_FSETID:
    /// the kernel says so only then) drops suid, and setgid with group-exec (setattr_should_drop_suidgid).</item>
    /// <item>A chown(2), truncate or such a write by a caller outside a file's group drops a setgid bit that has no
    /// group-exec (setattr_should_drop_sgid, done for the overlay inode): a change of mode that for a chown only the
    /// owner may make (EPERM for anyone else, before any copy-up; a truncate or write forces it).</item>
    /// </list>
    /// A chown's own drops (suid, setgid with group-exec) are the upper filesystem's: its chown makes them; but they
    /// too change the mode, so a chown(-1, -1) of such a file by anyone but its owner is EPERM, as the overlay's.
    /// A chown arrives with new ids, or with none (chown(-1, -1)).
    /// </summary>
    private int SetIdDropped(in Caller caller, Node node, in AttrChange change, out uint dropped)
    {
        dropped = 0;
        bool kill = (change.Flags & AttrChangeFlags.KillSetId) != 0;
        bool chown = IsChown(change);
        // A truncate or a write drops the bit whoever the caller is; a chown of a file by a non-owner is refused.
        bool forced = (change.Flags & AttrChangeFlags.Size) != 0 || kill;
        if (!(chown || forced) || node.IsDirectory || (caller.Uid == 0 && !kill))
            return 0;
        int rc = engine.Stat(node, out StatX st);
        if (rc < 0 || (node.Type != FileType.S_IFREG && !chown))
            return rc;
        uint mode = st.Mode;
        bool sgidOutsideGroup = (mode & (FileType.S_ISGID | FileType.S_IXGRP)) == FileType.S_ISGID && caller.InGroupOrCapable(st.Gid) == false;
        // What the upper's chown drops itself (suid, setgid with group-exec) is a change of mode as well.
        bool chownDrops = (mode & FileType.S_ISUID) != 0 || (mode & (FileType.S_ISGID | FileType.S_IXGRP)) == (FileType.S_ISGID | FileType.S_IXGRP);
        if (chown && !forced && (sgidOutsideGroup || chownDrops) && caller.Uid != st.Uid && caller.Uid != 0)
            return -Errno.EPERM;
        if (kill && (mode & FileType.S_ISUID) != 0)
            dropped |= FileType.S_ISUID;
        if (kill && (mode & (FileType.S_ISGID | FileType.S_IXGRP)) == (FileType.S_ISGID | FileType.S_IXGRP))
            dropped |= FileType.S_ISGID;
        if (sgidOutsideGroup)
            dropped |= FileType.S_ISGID;
        return 0;
    }

    // chown(2) with new ids, or chown(-1, -1): a change that asks for nothing and is not a write's KillSetId.
    private static bool IsChown(in AttrChange change) =>
        (change.Flags & (AttrChangeFlags.Uid | AttrChangeFlags.Gid)) != 0 || (change.Flags & ~AttrChangeFlags.Handle) == 0;

    private static int Truncate(Node node, int dirFd, ReadOnlySpan<byte> name, in AttrChange change)
    {
        if (node.IsDirectory)
            return -Errno.EISDIR;
        if ((change.Flags & AttrChangeFlags.Handle) != 0)
            return Sys.FTruncate((int)change.Handle, change.Size);
        // A nameless file's fd was opened for writing (O_TMPFILE needs it).
        if (node.Unnamed is { } unnamed)
            return Sys.FTruncate(unnamed.Fd, change.Size);
        int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_WRONLY | OpenFlags.O_NOFOLLOW);
        if (fd < 0)
            return fd;
        int rc = Sys.FTruncate(fd, change.Size);
        Sys.Close(fd);
        return rc;
    }
}
