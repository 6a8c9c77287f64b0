using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>
/// How a failed call of <see cref="LayeredDirectory"/> surfaces: as the exceptions .NET's own file APIs throw, and
/// always with <see cref="Exception.HResult"/> set to the errno (ENOENT is 2, EACCES 13, ...), as .NET does for the
/// IOExceptions it makes from an errno.
/// <list type="bullet">
/// <item>ENOENT of the last component: <see cref="FileNotFoundException"/>; of a dir on the way: <see cref="DirectoryNotFoundException"/>.</item>
/// <item>EACCES, EPERM: <see cref="UnauthorizedAccessException"/>.</item>
/// <item>Any other errno (EEXIST, ENOTEMPTY, EXDEV, EISDIR, ENOTDIR, ELOOP, EROFS, ENODATA, ...): <see cref="IOException"/>.</item>
/// </list>
/// Bad arguments (a null path, a mode that cannot be combined with the access asked for) are ArgumentExceptions.
/// </summary>
public static class UnionErrors
{
    /// <summary>The errno an exception of the facade stands for (its HResult); 0 for other exceptions.</summary>
    public static int ErrnoOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is IOException or UnauthorizedAccessException && exception.HResult is > 0 and < 4096 ? exception.HResult : 0;
    }

    internal static Exception For(int errno, string path, bool inParentDir = false)
    {
        errno = Math.Abs(errno);
        string message = $"{path}: {Errno.Describe(errno)}";
        return errno switch
        {
            Errno.ENOENT when inParentDir => new UnionDirectoryNotFoundException(message, errno),
            Errno.ENOENT => new UnionFileNotFoundException(message, path, errno),
            Errno.EACCES or Errno.EPERM => new UnionAccessDeniedException(message, errno),
            _ => new IOException(message, errno),
        };
    }

    /// <summary>Throws for a negative result; passes a non-negative one through.</summary>
    internal static int Check(int result, string path, bool inParentDir = false) =>
        result < 0 ? throw For(result, path, inParentDir) : result;
}

/// <summary>ENOENT of a path's last component (HResult is the errno).</summary>
public sealed class UnionFileNotFoundException : FileNotFoundException
{
    public UnionFileNotFoundException()
    {
    }

    public UnionFileNotFoundException(string message)
        : base(message)
    {
    }

    public UnionFileNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal UnionFileNotFoundException(string message, string path, int errno)
        : base(message, path)
    {
        HResult = errno;
    }
}

/// <summary>ENOENT of a dir on a path's way (HResult is the errno).</summary>
public sealed class UnionDirectoryNotFoundException : DirectoryNotFoundException
{
    public UnionDirectoryNotFoundException()
    {
    }

    public UnionDirectoryNotFoundException(string message)
        : base(message)
    {
    }

    public UnionDirectoryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal UnionDirectoryNotFoundException(string message, int errno)
        : base(message)
    {
        HResult = errno;
    }
}

/// <summary>EACCES or EPERM (HResult is the errno).</summary>
public sealed class UnionAccessDeniedException : UnauthorizedAccessException
{
    public UnionAccessDeniedException()
    {
    }

    public UnionAccessDeniedException(string message)
        : base(message)
    {
    }

    public UnionAccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal UnionAccessDeniedException(string message, int errno)
        : base(message)
    {
        HResult = errno;
    }
}
