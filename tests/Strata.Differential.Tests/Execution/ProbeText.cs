using System.Text;
using Strata.Posix;

namespace Strata.Differential.Tests.Execution;

/// <summary>
/// How a probe describes a path, whoever ran the stat (syscalls on a mount, or the in-process facade): the fields
/// that must agree are the type, permission bits, owner, and for non-dirs size and link count (dir sizes and link
/// counts and times legitimately differ), a symlink's target, and which layer object the inode number belongs to
/// (when the runner labels them: raw numbers differ between copies of the layers).
/// </summary>
public static class ProbeText
{
    public static string Describe(string path, string type, uint mode, uint uid, uint gid, long size, uint linkCount, string? linkTarget, string? inodeLabel)
    {
        var line = new StringBuilder($"{path}: {type} {Convert.ToString(mode & 0xFFF, 8)} {uid}:{gid}");
        if (type != "dir") line.Append($" size={size} nlink={linkCount}");
        if (linkTarget is not null) line.Append($" -> {linkTarget}");
        if (inodeLabel is not null) line.Append($" ino={inodeLabel}");
        return line.ToString();
    }

    public static string TypeName(uint mode) => (mode & FileType.S_IFMT) switch
    {
        FileType.S_IFDIR => "dir",
        FileType.S_IFREG => "file",
        FileType.S_IFLNK => "symlink",
        FileType.S_IFIFO => "fifo",
        FileType.S_IFCHR => "chr",
        _ => "other",
    };
}
