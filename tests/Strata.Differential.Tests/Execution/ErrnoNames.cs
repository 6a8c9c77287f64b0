using Strata.Posix;

namespace Strata.Differential.Tests.Execution;

/// <summary>Errno values as their names, so an outcome reads "ENOENT" rather than "-2".</summary>
public static class ErrnoNames
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [Errno.EPERM] = "EPERM", [Errno.ENOENT] = "ENOENT", [Errno.EIO] = "EIO", [Errno.EBADF] = "EBADF",
        [Errno.EACCES] = "EACCES", [Errno.EBUSY] = "EBUSY", [Errno.EEXIST] = "EEXIST", [Errno.EXDEV] = "EXDEV",
        [Errno.ENOTDIR] = "ENOTDIR", [Errno.EISDIR] = "EISDIR", [Errno.EINVAL] = "EINVAL", [Errno.EMLINK] = "EMLINK",
        [Errno.ERANGE] = "ERANGE", [Errno.ENOSYS] = "ENOSYS", [Errno.ENOTEMPTY] = "ENOTEMPTY", [Errno.ELOOP] = "ELOOP",
        [Errno.ENODATA] = "ENODATA", [Errno.EOPNOTSUPP] = "EOPNOTSUPP", [Errno.ENXIO] = "ENXIO", [Errno.EROFS] = "EROFS",
    };

    /// <summary>Whether an outcome is an errno's name as <see cref="Of"/> writes it.</summary>
    public static bool IsName(string text) =>
        Names.ContainsValue(text) || (text.StartsWith("errno", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out _));

    public static string Of(int negativeErrno) => Names.TryGetValue(-negativeErrno, out string? name) ? name : $"errno{-negativeErrno}";
}
