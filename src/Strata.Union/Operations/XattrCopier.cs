using System.Buffers;
using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>Copies the user-visible xattrs of one object to another at copy-up (never trusted.overlay.*).</summary>
internal static class XattrCopier
{
    public static int Copy(int fromFd, int toFd)
    {
        int size = Sys.ListXattr(fromFd, Span<byte>.Empty);
        if (size == -Errno.EOPNOTSUPP || size == 0)
            return 0;
        if (size < 0)
            return size;
        byte[] list = ArrayPool<byte>.Shared.Rent(size);
        byte[] value = ArrayPool<byte>.Shared.Rent(65536);
        try
        {
            size = Sys.ListXattr(fromFd, list);
            if (size < 0)
                return size;
            ReadOnlySpan<byte> rest = list.AsSpan(0, size);
            while (!rest.IsEmpty)
            {
                int end = rest.IndexOf((byte)0);
                ReadOnlySpan<byte> name = end < 0 ? rest : rest[..end];
                rest = end < 0 ? [] : rest[(end + 1)..];
                if (name.IsEmpty || OverlayFormat.IsPrivateXattr(name))
                    continue;
                int n = Sys.GetXattr(fromFd, name, value);
                if (n == -Errno.ENODATA)
                    continue;
                if (n < 0)
                    return n;
                int rc = Sys.SetXattr(toFd, name, value.AsSpan(0, n));
                // Some namespaces cannot be set on some types (user.* on a symlink): the kernel skips those too.
                if (rc < 0 && rc != -Errno.EOPNOTSUPP && rc != -Errno.EPERM)
                    return rc;
            }
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(list);
            ArrayPool<byte>.Shared.Return(value);
        }
    }
}
