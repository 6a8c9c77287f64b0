using Strata.Posix;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// rename: the object is copied up (a dir alone) and renamed in the upper dir, leaving a whiteout at the old
/// name when a lower entry was there; a lower or merged directory moves only with redirect_dir=on (else
/// EXDEV, and mv copies). What else is recorded is <see cref="MoveMarks"/>'. Type rules as rename(2).
/// RENAME_EXCHANGE is handed to <see cref="Exchanger"/>.
/// </summary>
internal sealed class Renamer(Engine engine)
{
    private readonly MoveMarks _marks = new(engine);
    private readonly Exchanger _exchanger = new(engine, new MoveMarks(engine));

    public int Rename(Node parent, ReadOnlySpan<byte> name, Node newParent, ReadOnlySpan<byte> newName, uint flags)
    {
        // overlayfs takes NOREPLACE and EXCHANGE (not both: the VFS refuses that pair), never WHITEOUT.
        const uint Known = OpenFlags.RENAME_NOREPLACE | OpenFlags.RENAME_EXCHANGE;
        if ((flags & ~Known) != 0 || flags == Known)
            return -Errno.EINVAL;
        bool exchange = flags == OpenFlags.RENAME_EXCHANGE;
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = engine.Resolver.Resolve(parent, name, out Resolution source);
        if (rc < 0)
            return rc;
        using (source)
        {
            rc = engine.Resolver.Resolve(newParent, newName, out Resolution target);
            if (rc < 0)
                return rc;
            using (target)
            {
                // The VFS wants both names to exist for an exchange.
                if (!source.Found || (exchange && !target.Found))
                    return -Errno.ENOENT;
                if (parent == newParent && name.SequenceEqual(newName))
                    return 0;
                if (exchange)
                    return _exchanger.Exchange(parent, name, newParent, newName, source, target);
                rc = Check(source, target, flags);
                if (rc < 0)
                    return rc;
                return Move(parent, name, newParent, newName, source, target);
            }
        }
    }

    // The order of the checks is the kernel's: the VFS refuses NOREPLACE and type clashes first, then
    // ovl_rename says EXDEV for a dir it cannot move before it looks at whether the target dir is empty.
    private int Check(in Resolution source, in Resolution target, uint flags)
    {
        if (target.Found)
        {
            if ((flags & OpenFlags.RENAME_NOREPLACE) != 0)
                return -Errno.EEXIST;
            if (source.IsDirectory && !target.IsDirectory)
                return -Errno.ENOTDIR;
            if (!source.IsDirectory && target.IsDirectory)
                return -Errno.EISDIR;
        }
        if (!_marks.CanMove(source))
            return -Errno.EXDEV;
        // ovl_rename checks emptiness itself only for a target with lower instances; for an upper-only dir it
        // leaves that to the upper fs's rename, which fails with ENOTEMPTY only after the copy-ups and the
        // opaque mark of the source are done (seed 20167 found that side effect).
        if (target.Found && target.IsDirectory && !IsUpperOnly(target))
            return engine.Merge.CheckEmpty(target.CopyDirsTo(new DirInstance[target.DirCount]));
        return 0;
    }

    private bool IsUpperOnly(in Resolution dir) => dir.DirCount == 1 && engine.Layers.IsUpper(dir.DirAt(0).Layer);

    private int Move(Node parent, ReadOnlySpan<byte> name, Node newParent, ReadOnlySpan<byte> newName,
        in Resolution source, in Resolution target)
    {
        bool byLower = _marks.IsByLower(parent, name, source);
        int rc = engine.CopyUp.EnsureDir(parent);
        if (rc >= 0)
            rc = engine.CopyUp.EnsureDir(newParent);
        if (rc >= 0)
            rc = _marks.CopyUp(parent, name, source);
        if (rc < 0)
            return rc;
        int from = parent.Dirs[0].Fd, to = newParent.Dirs[0].Fd;
        if (target.Found && target.IsDirectory && engine.Layers.IsUpper(target.TopLayer))
        {
            // The target looks empty but its upper instance may hold whiteouts: rename(2) needs it really empty.
            rc = TreeRemover.RemoveWhiteouts(target.DirAt(0).Fd);
            if (rc < 0)
                return rc;
        }
        rc = _marks.Mark(parent, name, source, byLower, newParent, out byte[]? redirect);
        if (rc < 0)
            return rc;
        // A dir cannot replace a whiteout (a char device) by rename.
        if (source.IsDirectory && target.UpperWhiteout)
        {
            rc = Sys.UnlinkAt(to, newName, false);
            if (rc < 0)
                return rc;
        }
        if (source.LowerPositive && target.UpperWhiteout && !source.IsDirectory)
        {
            // Onto a whiteout the kernel swaps the two: the old name gets the very whiteout (and its owner) that was
            // at the new one.
            rc = Sys.RenameAt(from, name, to, newName, OpenFlags.RENAME_EXCHANGE);
        }
        else if (source.LowerPositive)
        {
            rc = Sys.RenameAt(from, name, to, newName, OpenFlags.RENAME_WHITEOUT);
            if (rc is -Errno.EINVAL or -Errno.EOPNOTSUPP or -Errno.EPERM)
            {
                // The filesystem cannot make the whiteout in the same step: rename, then place one.
                rc = Sys.RenameAt(from, name, to, newName);
                if (rc >= 0)
                    rc = engine.Work.PlaceWhiteout(from, name);
            }
        }
        else
            rc = Sys.RenameAt(from, name, to, newName);
        if (rc < 0)
            return rc;
        Node? moved = engine.Nodes.Find(parent, name);
        if (moved is not null)
        {
            if (!moved.IsDirectory)
                moved.TopLayer = 0;
            else
                moved.Redirect = redirect;
            engine.Nodes.Move(moved, newParent, newName);
            // A dir in another parent lists another "..".
            if (moved.IsDirectory && parent != newParent)
                engine.CopyUp.Changes?.ListingChanged(moved.Id);
        }
        else
            engine.Nodes.Detach(newParent, newName);
        return 0;
    }
}
