using System.Text;
using Strata.Posix;

namespace Strata.Testing;

/// <summary>
/// Everything about a dir tree that two overlay implementations must agree on: per path the type, permission
/// bits, device numbers, size, contents or link target, and the trusted.overlay.* records (opaque, whiteout,
/// impure, redirect, and whether there is an origin). Times and inode numbers are left out on purpose (they differ
/// between two runs of the same steps), and so is an origin's handle (it names an inode) unless a caller turns it
/// into something comparable; trusted.overlay.uuid is left out (the kernel writes a random one at its first mount).
/// Owners, user.* xattrs and POSIX ACLs are in only when asked for (a CLI mount and a kernel mount need not run as the same user).
/// </summary>
public static class TreeSnapshot
{
    private static readonly string[] OverlayXattrs =
        ["trusted.overlay.opaque", "trusted.overlay.whiteout", "trusted.overlay.impure", "trusted.overlay.redirect"];

    /// <summary>The snapshot of the tree under root; originLabel describes a path's origin (without it only its presence shows).</summary>
    public static List<string> Take(string root, bool includeOverlayXattrs = true, bool includeOwnersAndUserXattrs = false,
        Func<string, string?>? originLabel = null)
    {
        var lines = new List<string>();
        Walk(root, "", lines, new Details(includeOverlayXattrs, includeOwnersAndUserXattrs, originLabel));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private sealed record Details(bool OverlayXattrs, bool OwnersAndUserXattrs, Func<string, string?>? OriginLabel);

    private static void Walk(string root, string relative, List<string> lines, Details details)
    {
        string dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (string full in Directory.EnumerateFileSystemEntries(dir))
        {
            string rel = relative.Length == 0 ? Path.GetFileName(full) : relative + "/" + Path.GetFileName(full);
            int r = Posix.Posix.Stat(full, out StatX st, followSymlinks: false);
            if (r < 0) { lines.Add($"{rel} stat-error {r}"); continue; }
            var line = new StringBuilder(rel);
            line.Append($" mode={Convert.ToString(st.Mode, 8)}");
            if (st.IsRegular) line.Append($" size={st.Size} data={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(full)))[..16]}");
            else if (st.IsSymlink) line.Append($" -> {new FileInfo(full).LinkTarget}");
            else if (!st.IsDirectory) line.Append($" rdev={st.RdevMajor},{st.RdevMinor}");
            if (details.OwnersAndUserXattrs)
            {
                line.Append($" owner={st.Uid}:{st.Gid}");
                foreach (string name in UserXattrNames(full)) line.Append($" {name}={ReadXattr(full, name)}");
                foreach (string name in (string[])[AclText.AccessXattr, AclText.DefaultXattr])
                    if (ReadRawXattr(full, name) is { } acl) line.Append($" {name}={AclText.FromXattr(acl)}");
            }
            if (details.OverlayXattrs)
            {
                foreach (string name in OverlayXattrs)
                    if (ReadXattr(full, name) is { } value) line.Append($" {name}={value}");
                string? origin = details.OriginLabel is { } label ? label(full) : ReadXattr(full, "trusted.overlay.origin") is null ? null : "(set)";
                if (origin is not null) line.Append($" trusted.overlay.origin={origin}");
            }
            lines.Add(line.ToString());
            if (st.IsDirectory) Walk(root, rel, lines, details);
        }
    }

    private static List<string> UserXattrNames(string path)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0) return [];
        try
        {
            Span<byte> list = stackalloc byte[4096];
            int n = Posix.Posix.ListXattr(fd, list);
            if (n <= 0) return [];
            var names = Encoding.UTF8.GetString(list[..n]).Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Where(name => name.StartsWith("user.", StringComparison.Ordinal)).ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static string? ReadXattr(string path, string name) => ReadRawXattr(path, name) is { } value ? Encoding.UTF8.GetString(value) : null;

    private static byte[]? ReadRawXattr(string path, string name)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0) return null;
        try
        {
            Span<byte> value = stackalloc byte[256];
            int n = Posix.Posix.GetXattr(fd, Encoding.UTF8.GetBytes(name), value);
            return n < 0 ? null : value[..n].ToArray();
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }
}
