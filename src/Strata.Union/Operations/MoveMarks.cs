using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Strata.Union.Options;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// What rename records on disk besides the move itself, as ovl_rename does. With redirect_dir=on a lower or
/// merged dir can move: it is copied up alone and gets trusted.overlay.redirect, its old name in the same dir
/// or its old path from the root (whose renamed ancestors count by their own redirects) when it changes dirs;
/// a redirect it has already is kept when it still says enough. A dir with no lower instance that lands in a
/// merged dir is made opaque instead. An object that keeps a lower object's inode number makes the dir it moves
/// into impure.
/// </summary>
internal sealed class MoveMarks(Engine engine)
{
    private const int DirOpenFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    /// <summary>ovl_can_move: a non-dir or an upper-only dir always; a lower or merged dir only with redirect_dir=on.</summary>
    public bool CanMove(in Resolution resolved)
    {
        if (!resolved.IsDirectory || engine.Features.RedirectDir == RedirectDirMode.On)
            return true;
        for (int i = 0; i < resolved.DirCount; i++)
        {
            if (!engine.Layers.IsUpper(resolved.DirAt(i).Layer))
                return false;
        }
        return true;
    }

    /// <summary>Whether the object keeps a lower object's inode number (the kernel's origin type), looked at before its copy-up.</summary>
    public bool IsByLower(Node parent, ReadOnlySpan<byte> name, in Resolution resolved)
    {
        if (resolved.IsDirectory)
            return resolved.HasLowerDir;
        Node? known = engine.Nodes.Find(parent, name);
        return known is not null && known.Identity.Number != 0 ? known.Identity.FromLower : engine.Inodes.Of(parent, name, resolved).FromLower;
    }

    /// <summary>Copies the object up (a dir alone); a node known at the name gets its upper instance.</summary>
    public int CopyUp(Node parent, ReadOnlySpan<byte> name, in Resolution resolved)
    {
        if (engine.Layers.IsUpper(resolved.TopLayer))
            return 0;
        Node? known = resolved.IsDirectory ? engine.Nodes.Find(parent, name) : null;
        return known is not null ? engine.CopyUp.EnsureDir(known) : engine.CopyUp.CopyName(parent, name, resolved.TopLayer);
    }

    /// <summary>
    /// Marks the (copied-up) object at name before it moves into newParent: impure on newParent when it keeps a
    /// lower number and changes dirs, then a redirect or opaque for a dir. <paramref name="redirect"/> is the
    /// redirect it has afterwards.
    /// </summary>
    public int Mark(Node parent, ReadOnlySpan<byte> name, in Resolution resolved, bool byLower, Node newParent, out byte[]? redirect)
    {
        redirect = resolved.UpperRedirect;
        bool sameDir = parent == newParent;
        if (!sameDir && byLower)
        {
            int rc = OverlayFormat.MarkImpure(newParent.Dirs[0].Fd);
            if (rc < 0)
                return rc;
        }
        if (!resolved.IsDirectory)
            return 0;
        bool merged = resolved.HasLowerDir;
        // The kernel makes a dir opaque whenever it moves into a merged dir, not only when a lower name shows
        // through at the target: a lower entry of that name may appear there later.
        if (!merged && newParent.Dirs.Length < 2)
            return 0;
        int fd = Sys.OpenAt(parent.Dirs[0].Fd, name, DirOpenFlags);
        if (fd < 0)
            return fd;
        try
        {
            return merged ? SetRedirect(fd, parent, name, sameDir, ref redirect) : OverlayFormat.MarkOpaque(fd);
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    // ovl_set_redirect: a relative redirect (the old name) within the dir, an absolute one across dirs.
    private static int SetRedirect(int upperFd, Node parent, ReadOnlySpan<byte> name, bool sameDir, ref byte[]? redirect)
    {
        if (redirect is not null && (sameDir || Redirects.IsAbsolute(redirect)))
            return 0;
        byte[]? value = sameDir ? name.ToArray() : AbsolutePath(parent, name, redirect);
        if (value is null)
            return -Errno.EXDEV;
        // A redirect that cannot be stored makes the kernel say EXDEV, so that mv copies instead.
        if (Sys.SetXattr(upperFd, OverlayFormat.RedirectXattr, value) < 0)
            return -Errno.EXDEV;
        redirect = value;
        return 0;
    }

    // "/a/b/old" from the root, where each renamed ancestor counts by its redirect (an absolute one ends the walk);
    // null when longer than redirect_max.
    private static byte[]? AbsolutePath(Node parent, ReadOnlySpan<byte> name, byte[]? ownRedirect)
    {
        var parts = new List<byte[]> { ownRedirect ?? name.ToArray() };
        for (Node? d = parent; d?.Parent is not null; d = d.Parent)
        {
            byte[] part = d.Redirect ?? d.Name;
            parts.Add(part);
            if (Redirects.IsAbsolute(part))
                break;
        }
        var path = new List<byte>(Redirects.MaxLength);
        for (int i = parts.Count - 1; i >= 0; i--)
        {
            if (!Redirects.IsAbsolute(parts[i]))
                path.Add((byte)'/');
            path.AddRange(parts[i]);
        }
        return path.Count > Redirects.MaxLength ? null : [.. path];
    }
}
