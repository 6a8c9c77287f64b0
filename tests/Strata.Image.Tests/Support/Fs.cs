using System.Text;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Tests.Support;

/// <summary>What the tests look at in an unpacked layer: stat without following symlinks, xattrs, whiteouts, names.</summary>
public static class Fs
{
    public static StatX Stat(string path)
    {
        int r = Sys.Stat(path, out StatX st, followSymlinks: false);
        Assert.True(r == 0, $"stat {path}: {Errno.Describe(r)}");
        return st;
    }

    public static string? Xattr(string path, string name) => XattrBytes(path, name) is { } value ? Encoding.UTF8.GetString(value) : null;

    public static byte[]? XattrBytes(string path, string name)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0, $"open {path}: {Errno.Describe(fd)}");
        try
        {
            byte[] value = new byte[4096];
            int n = Sys.GetXattr(fd, Encoding.UTF8.GetBytes(name), value);
            return n < 0 ? null : value[..n];
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    public static bool IsWhiteout(string path) => Sys.Stat(path, out StatX st, followSymlinks: false) == 0 && st.IsWhiteoutDevice;

    public static string[] Names(string dir) =>
        Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();

    public static bool AnyOciMarker(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, ".wh.*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Any();

    /// <summary>Every entry below a dir as "path type mode [content or target]", sorted: a tree to compare with an expected one.</summary>
    public static List<string> Listing(string root)
    {
        var lines = new List<string>();
        foreach (string full in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            StatX st = Stat(full);
            string mode = Convert.ToString(st.Mode & 0xFFF, 8);
            string relative = Path.GetRelativePath(root, full);
            lines.Add((st.Mode & FileType.S_IFMT) switch
            {
                FileType.S_IFDIR => $"{relative} dir {mode}",
                FileType.S_IFREG => $"{relative} file {mode} {File.ReadAllText(full).Replace("\n", "\\n", StringComparison.Ordinal)}",
                FileType.S_IFLNK => $"{relative} symlink -> {new FileInfo(full).LinkTarget}",
                FileType.S_IFIFO => $"{relative} fifo {mode}",
                _ => $"{relative} other {Convert.ToString(st.Mode, 8)}",
            });
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
