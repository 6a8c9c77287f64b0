using Strata.Posix;

namespace Strata.Union.Options;

/// <summary>
/// The kernel's mount-time checks on the layer dirs, with its errnos: missing dirs (ENOENT), upper without
/// work dir and the work dir's placement (EINVAL), layers that overlap one another (ELOOP). Overlap is found
/// the way the kernel finds it, by inode identity of each layer root and its ancestors, so symlinks and
/// bind mounts cannot hide it.
/// </summary>
public static class MountValidator
{
    public static void Validate(OverlayOptions options)
    {
        if (options.LowerDirs.Count == 0)
            throw new OverlayConfigException(Errno.EINVAL, "missing 'lowerdir': give at least one lower layer, e.g. -o lowerdir=DIR");
        if (options.UpperDir is not null && options.WorkDir is null)
            throw new OverlayConfigException(Errno.EINVAL, $"missing 'workdir': upperdir '{options.UpperDir}' needs a workdir on the same filesystem");
        if (options.UpperDir is null && options.WorkDir is not null)
            throw new OverlayConfigException(Errno.EINVAL, $"'workdir={options.WorkDir}' needs an 'upperdir' too");

        var layers = new List<(string Role, string Path, StatX Stat)>();
        foreach (string lower in options.LowerDirs)
            layers.Add(("lowerdir", lower, RequireDirectory("lowerdir", lower)));
        if (options.UpperDir is not null && options.WorkDir is not null)
        {
            StatX upper = RequireDirectory("upperdir", options.UpperDir);
            StatX work = RequireDirectory("workdir", options.WorkDir);
            if (upper.Device != work.Device)
                throw new OverlayConfigException(Errno.EINVAL, $"workdir '{options.WorkDir}' and upperdir '{options.UpperDir}' must reside on the same filesystem");
            if (IsAncestorOrSame(options.UpperDir, work) || IsAncestorOrSame(options.WorkDir, upper))
                throw new OverlayConfigException(Errno.EINVAL, $"workdir '{options.WorkDir}' and upperdir '{options.UpperDir}' must be separate subtrees");
            layers.Add(("upperdir", options.UpperDir, upper));
            layers.Add(("workdir", options.WorkDir, work));
        }

        for (int i = 0; i < layers.Count; i++)
        {
            for (int j = 0; j < layers.Count; j++)
            {
                if (i == j) continue;
                var (roleA, pathA, statA) = layers[i];
                var (roleB, pathB, statB) = layers[j];
                if (roleA == "workdir" && roleB == "upperdir" || roleA == "upperdir" && roleB == "workdir") continue;
                if (statA.Device == statB.Device && statA.Inode == statB.Inode)
                {
                    if (i < j)
                        throw new OverlayConfigException(Errno.ELOOP, $"conflicting {roleB} path: '{pathB}' is the same directory as {roleA} '{pathA}'");
                    continue;
                }
                if (IsAncestorOrSame(pathA, statB))
                    throw new OverlayConfigException(Errno.ELOOP, $"overlapping {roleA} path: '{pathA}' is inside {roleB} '{pathB}'; layers must not contain one another");
            }
        }
    }

    private static StatX RequireDirectory(string role, string path)
    {
        int r = Posix.Posix.Stat(path, out StatX st);
        if (r < 0)
            throw new OverlayConfigException(-r, $"{role} '{path}': {Errno.Describe(r)}; create it or fix the path");
        if (!st.IsDirectory)
            throw new OverlayConfigException(Errno.ENOTDIR, $"{role} '{path}' is not a directory");
        return st;
    }

    /// <summary>Whether the dir identified by ancestor is path itself or one of its parents (walking "..", as the kernel walks d_parent).</summary>
    private static bool IsAncestorOrSame(string path, in StatX ancestor)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        if (fd < 0) return false;
        try
        {
            while (true)
            {
                if (Posix.Posix.FStat(fd, out StatX st) < 0) return false;
                if (st.Device == ancestor.Device && st.Inode == ancestor.Inode) return true;
                int parent = Posix.Posix.OpenAt(fd, ".."u8, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
                if (parent < 0) return false;
                Posix.Posix.FStat(parent, out StatX pst);
                Posix.Posix.Close(fd);
                fd = parent;
                if (pst.Device == st.Device && pst.Inode == st.Inode) return false; // reached "/"
            }
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }
}
