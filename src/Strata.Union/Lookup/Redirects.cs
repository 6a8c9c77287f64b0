using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// trusted.overlay.redirect values as the kernel reads them (ovl_get_redirect_xattr): a name in the same
/// parent ("old"), or a path from the root ("/a/old"). The value ends at its first NUL.
/// </summary>
internal static class Redirects
{
    /// <summary>The kernel's redirect_max: longer redirects are not written (the rename gives EXDEV instead).</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// Reads the redirect of an open dir into dest (at least <see cref="Sys.PathMax"/> bytes): its length, 0 when
    /// the dir has none, -EINVAL for a malformed one and -EACCES for a "." or ".." in it (lookup fails with those).
    /// </summary>
    public static int Read(int dirFd, Span<byte> dest)
    {
        int n = Sys.GetXattr(dirFd, OverlayFormat.RedirectXattr, dest);
        if (n is -Errno.ENODATA or -Errno.EOPNOTSUPP)
            return 0;
        if (n == -Errno.ERANGE)
            return -Errno.ENAMETOOLONG;
        if (n < 0)
            return n;
        int nul = dest[..n].IndexOf((byte)0);
        if (nul >= 0)
            n = nul;
        int rc = Check(dest[..n]);
        return rc < 0 ? rc : n;
    }

    /// <summary>0 for a usable redirect, else the errno the kernel's lookup gives.</summary>
    public static int Check(ReadOnlySpan<byte> redirect)
    {
        if (redirect.IsEmpty)
            return -Errno.EINVAL;
        if (redirect[0] != '/')
            return redirect.IndexOf((byte)'/') >= 0 ? -Errno.EINVAL : CheckComponent(redirect);
        ReadOnlySpan<byte> rest = redirect[1..];
        while (true)
        {
            int slash = rest.IndexOf((byte)'/');
            ReadOnlySpan<byte> component = slash < 0 ? rest : rest[..slash];
            if (component.IsEmpty)
                return -Errno.EINVAL;
            int rc = CheckComponent(component);
            if (rc < 0)
                return rc;
            if (slash < 0)
                return 0;
            rest = rest[(slash + 1)..];
        }
    }

    private static int CheckComponent(ReadOnlySpan<byte> name) =>
        DirectoryEnumerator.IsDotOrDotDot(name) ? -Errno.EACCES : 0;

    public static bool IsAbsolute(ReadOnlySpan<byte> redirect) => !redirect.IsEmpty && redirect[0] == '/';
}
