using System.Text;
using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>
/// Walks a path through the union the way the kernel walks it through a mount: component by component from the
/// root, "." and ".." by the dirs walked, symbolic links followed on the way (and at the end when asked), at
/// most 40 of them (ELOOP). The union's root is the root of every path: an absolute link target, or ".." at the
/// top, stays inside the union.
/// </summary>
internal sealed class PathResolver(UnionFileSystem union)
{
    private const int MaxLinks = 40;

    /// <summary>
    /// Resolves <paramref name="path"/>. A missing last component is not an error (<see cref="ResolvedPath.Exists"/>
    /// is false, its parent and name are set); anything else that fails is, with <paramref name="inParentDir"/> true
    /// when it failed on the way (for ENOENT: a dir is missing).
    /// </summary>
    public int Resolve(string path, bool followFinal, out ResolvedPath resolved, out bool inParentDir)
    {
        ArgumentNullException.ThrowIfNull(path);
        resolved = new ResolvedPath(union);
        inParentDir = true;
        if (path.Contains('\0', StringComparison.Ordinal))
            return -Errno.EINVAL;
        var pending = new Stack<byte[]>();
        Push(pending, path);
        bool trailingSlash = path.Length > 1 && path.EndsWith('/');
        var dirs = new List<ulong> { UnionFileSystem.RootId };
        int links = 0;
        Span<byte> target = stackalloc byte[Posix.Posix.PathMax];
        while (pending.Count > 0)
        {
            byte[] name = pending.Pop();
            if (name is [(byte)'.'])
                continue;
            if (name is [(byte)'.', (byte)'.'])
            {
                if (dirs.Count > 1)
                    dirs.RemoveAt(dirs.Count - 1);
                continue;
            }
            if (name.Length > Posix.Posix.NameMax)
                return -Errno.ENAMETOOLONG;
            bool last = pending.Count == 0;
            ulong dir = dirs[^1];
            int rc = union.Lookup(dir, name, out ulong node, out StatX attr);
            if (rc == -Errno.ENOENT && last)
            {
                SetFinal(resolved, dirs, name, 0, default);
                inParentDir = false;
                return 0;
            }
            if (rc < 0)
                return rc;
            resolved.Hold(node);
            if (FileType.IsSymlink(attr.Mode) && (!last || followFinal || trailingSlash))
            {
                if (++links > MaxLinks)
                    return -Errno.ELOOP;
                int n = union.ReadLink(node, target);
                if (n < 0)
                    return n;
                if (n == 0)
                    return -Errno.ENOENT;
                if (target[0] == (byte)'/')
                    dirs.RemoveRange(1, dirs.Count - 1);
                Push(pending, Encoding.UTF8.GetString(target[..n]));
                continue;
            }
            if (!last)
            {
                if (!FileType.IsDirectory(attr.Mode))
                    return -Errno.ENOTDIR;
                dirs.Add(node);
                continue;
            }
            inParentDir = false;
            if (trailingSlash && !FileType.IsDirectory(attr.Mode))
                return -Errno.ENOTDIR;
            SetFinal(resolved, dirs, name, node, attr);
            return 0;
        }
        // The path ends in a dir reached by "." or ".." (or is the root): it is its own final component.
        inParentDir = false;
        ulong self = dirs[^1];
        dirs.RemoveAt(dirs.Count - 1);
        int got = union.GetAttr(self, out StatX selfAttr);
        if (got < 0)
            return got;
        SetFinal(resolved, dirs, [], self, selfAttr);
        return 0;
    }

    private static void SetFinal(ResolvedPath resolved, List<ulong> dirs, byte[] name, ulong node, in StatX attr)
    {
        resolved.Parent = dirs.Count > 0 ? dirs[^1] : 0;
        resolved.Name = name;
        resolved.Node = node;
        resolved.Attr = attr;
        resolved.Ancestors.AddRange(dirs);
    }

    // The components go on the stack last first, so that the first one is popped first.
    private static void Push(Stack<byte[]> pending, string path)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
            pending.Push(Encoding.UTF8.GetBytes(parts[i]));
    }
}
