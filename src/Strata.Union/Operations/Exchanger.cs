using Strata.Posix;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// renameat2(RENAME_EXCHANGE) as ovl_rename does it: both objects are copied up (parents first, a dir alone)
/// and swapped by one RENAME_EXCHANGE in the upper dir. Both names keep an upper entry afterwards, so whatever
/// a lower layer has under either name stays hidden without any whiteout; each side is marked as a rename marks
/// it (<see cref="MoveMarks"/>: a redirect for a lower or merged dir, which needs redirect_dir=on; opaque for
/// another dir landing in a merged dir, so that a lower dir of its new name cannot merge into it).
/// </summary>
internal sealed class Exchanger(Engine engine, MoveMarks marks)
{
    public int Exchange(Node parent, ReadOnlySpan<byte> name, Node newParent, ReadOnlySpan<byte> newName,
        in Resolution source, in Resolution target)
    {
        if (!marks.CanMove(source) || !marks.CanMove(target))
            return -Errno.EXDEV;
        bool sourceByLower = marks.IsByLower(parent, name, source);
        bool targetByLower = marks.IsByLower(newParent, newName, target);
        int rc = engine.CopyUp.EnsureDir(parent);
        if (rc >= 0)
            rc = engine.CopyUp.EnsureDir(newParent);
        if (rc >= 0)
            rc = marks.CopyUp(parent, name, source);
        if (rc >= 0)
            rc = marks.CopyUp(newParent, newName, target);
        byte[]? sourceRedirect = null, targetRedirect = null;
        if (rc >= 0)
            rc = marks.Mark(parent, name, source, sourceByLower, newParent, out sourceRedirect);
        if (rc >= 0)
            rc = marks.Mark(newParent, newName, target, targetByLower, parent, out targetRedirect);
        if (rc >= 0)
            rc = Sys.RenameAt(parent.Dirs[0].Fd, name, newParent.Dirs[0].Fd, newName, OpenFlags.RENAME_EXCHANGE);
        if (rc < 0)
            return rc;
        bool sameDir = parent == newParent;
        Update(engine.Nodes.Find(parent, name), sourceRedirect, sameDir);
        Update(engine.Nodes.Find(newParent, newName), targetRedirect, sameDir);
        engine.Nodes.Swap(parent, name, newParent, newName);
        return 0;
    }

    // Both now live in the upper layer (copied up above, or there already); a dir carries its redirect, and
    // lists another ".." when it changed parents.
    private void Update(Node? node, byte[]? redirect, bool sameDir)
    {
        if (node is null)
            return;
        if (!node.IsDirectory)
        {
            node.TopLayer = 0;
            return;
        }
        node.Redirect = redirect;
        if (!sameDir)
            engine.CopyUp.Changes?.ListingChanged(node.Id);
    }
}
