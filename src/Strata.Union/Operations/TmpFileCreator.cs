using Strata.Posix;
using Strata.Union.Acls;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// open(O_TMPFILE), as the kernel overlay's ovl_tmpfile does it: the parent is copied up, then a real O_TMPFILE is
/// made in its upper instance with the owner, mode and inherited ACLs create(2) gives a new file there, and the union gets a node
/// without a name for it. Nothing is written to the work dir; a file that is never linked goes with its last
/// descriptor. A link later names it (through the work dir over an upper whiteout, as any new object).
/// </summary>
internal sealed class TmpFileCreator(Engine engine, ObjectCreator creator)
{
    // Creation flags and O_TRUNC mean nothing for a file just made. O_EXCL stays: the real file then may never be
    // linked, which is what the caller asked for.
    private const int DroppedFlags = OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_NOCTTY | OpenFlags.O_TMPFILE;

    /// <summary>The nameless file, open with the caller's flags (the fd is <paramref name="handle"/>), and its node (+1 lookup).</summary>
    public int Create(in Caller caller, Node parent, uint mode, int flags, out ulong node, out StatX st, out ulong handle)
    {
        node = 0;
        st = default;
        handle = 0;
        if (engine.Layers.IsReadOnly)
            return -Errno.EROFS;
        int rc = engine.CopyUp.EnsureDir(parent);
        if (rc < 0)
            return rc;
        int upper = parent.Dirs[0].Fd;
        rc = ObjectCreator.OwnerIn(caller, upper, ObjectKind.File, mode, out NewOwner owner, out InheritedAcls? acls);
        if (rc < 0)
            return rc;
        int file = Sys.OpenAt(upper, "."u8, (flags & ~DroppedFlags) | OpenFlags.O_TMPFILE, mode & FileType.PermissionBits);
        if (file < 0)
            return file;
        rc = creator.SetOwnerAndMode(owner, acls, file);
        if (rc >= 0)
            rc = Sys.FStat(file, out st);
        // The node's own descriptor: the kernel's handle may be released before the node is forgotten.
        int own = rc < 0 ? rc : Sys.DupCloseOnExec(file);
        if (own < 0)
        {
            Sys.Close(file);
            return own;
        }
        Node made = engine.Nodes.AddUnnamed(FileType.S_IFREG, 0, new UnnamedFile(own));
        made.Identity = engine.Inodes.OfNewUpperFile(st);
        st.Inode = made.Identity.Number;
        node = made.Id;
        handle = (ulong)file;
        return 0;
    }
}
