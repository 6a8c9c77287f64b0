using Strata.Posix;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>unlink and rmdir: remove an upper-only entry; leave a whiteout where a lower entry would show through.</summary>
internal sealed class Remover(Engine engine)
{
    public int Remove(Node parent, ReadOnlySpan<byte> name, bool directory)
    {
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = engine.Resolver.Resolve(parent, name, out Resolution found);
        if (rc < 0)
            return rc;
        using (found)
        {
            if (!found.Found)
                return -Errno.ENOENT;
            if (directory && !found.IsDirectory)
                return -Errno.ENOTDIR;
            if (!directory && found.IsDirectory)
                return -Errno.EISDIR;
            if (directory)
            {
                Span<DirInstance> dirs = found.CopyDirsTo(stackalloc DirInstance[found.DirCount]);
                rc = engine.Merge.CheckEmpty(dirs);
                if (rc < 0)
                    return rc;
            }
            rc = engine.CopyUp.EnsureDir(parent);
            if (rc < 0)
                return rc;
            int upper = parent.Dirs[0].Fd;
            if (!engine.Layers.IsUpper(found.TopLayer))
                rc = engine.Work.PlaceWhiteout(upper, name);
            else if (found.LowerPositive)
                rc = engine.Work.ReplaceWithWhiteout(upper, name);
            else if (directory)
            {
                // An upper-only dir that looks empty may still hold whiteouts of names from layers it no longer covers.
                rc = TreeRemover.RemoveWhiteouts(found.DirAt(0).Fd);
                if (rc >= 0)
                    rc = Sys.UnlinkAt(upper, name, true);
            }
            else
                rc = Sys.UnlinkAt(upper, name, false);
            if (rc < 0)
                return rc;
            engine.Nodes.Detach(parent, name);
            return 0;
        }
    }
}
