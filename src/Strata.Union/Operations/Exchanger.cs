using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// renameat2(RENAME_EXCHANGE) as ovl_rename does it: both objects are copied up (parents first) and swapped
/// by one RENAME_EXCHANGE in the upper dir. Both names keep an upper entry afterwards, so whatever a lower
/// layer has under either name stays hidden without any whiteout; only a dir that lands in a merged dir is
/// made opaque, so that a lower dir of its new name cannot merge into it.
/// </summary>
internal sealed class Exchanger(Engine engine)
{
    public int Exchange(Node parent, ReadOnlySpan<byte> name, Node newParent, ReadOnlySpan<byte> newName,
        in Resolution source, in Resolution target)
    {
        // ovl_can_move for both sides: a lower or merged dir would need redirect_dir.
        if (!Renamer.CanMove(engine, source) || !Renamer.CanMove(engine, target))
            return -Errno.EXDEV;
        int rc = engine.CopyUp.EnsureDir(parent);
        if (rc >= 0)
            rc = engine.CopyUp.EnsureDir(newParent);
        if (rc >= 0 && !engine.Layers.IsUpper(source.TopLayer))
            rc = engine.CopyUp.CopyName(parent, name, source.TopLayer);
        if (rc >= 0 && !engine.Layers.IsUpper(target.TopLayer))
            rc = engine.CopyUp.CopyName(newParent, newName, target.TopLayer);
        if (rc >= 0)
            rc = MarkOpaqueIfMerging(source, newParent);
        if (rc >= 0)
            rc = MarkOpaqueIfMerging(target, parent);
        if (rc >= 0)
            rc = Sys.RenameAt(parent.Dirs[0].Fd, name, newParent.Dirs[0].Fd, newName, OpenFlags.RENAME_EXCHANGE);
        if (rc < 0)
            return rc;
        foreach (Node? n in (ReadOnlySpan<Node?>)[engine.Nodes.Find(parent, name), engine.Nodes.Find(newParent, newName)])
        {
            // Both non-dirs now live in the upper layer (copied up above, or there already).
            if (n is not null && !n.IsDirectory)
                n.TopLayer = 0;
        }
        engine.Nodes.Swap(parent, name, newParent, newName);
        return 0;
    }

    // As for a plain rename, the kernel marks the dir opaque whenever its new parent is merged, whether or
    // not a lower entry of that name shows there now: one may appear later.
    private static int MarkOpaqueIfMerging(in Resolution moving, Node destination) =>
        moving.IsDirectory && destination.Dirs.Length > 1 ? OverlayFormat.MarkOpaque(moving.DirAt(0).Fd) : 0;
}
