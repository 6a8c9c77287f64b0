using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// What the kernel records so that inode numbers survive copy-up and remount: trusted.overlay.origin on a
/// copied-up object (a dir, or a non-dir whose lower had one link: a copy of a hard-linked file breaks the link
/// and keeps no origin), and impure=y on the upper dir that holds it. A merged dir whose upper instance lacks an
/// origin gets one at its first lookup (ovl_fix_origin). An upper filesystem without xattrs is not an error.
/// </summary>
internal sealed class OriginRecorder(LayerStack layers, LayerFilesystems filesystems)
{
    /// <summary>Sets the origin of <paramref name="copyName"/> in <paramref name="copyDirFd"/> to the lower object (name in fromDirFd, of layer fromLayer).</summary>
    public int RecordCopy(int fromDirFd, ReadOnlySpan<byte> name, int fromLayer, in StatX lower, int copyDirFd, ReadOnlySpan<byte> copyName)
    {
        if (!KeepsOrigin(lower))
            return 0;
        int fd = Sys.OpenAt(copyDirFd, copyName, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0)
            return fd;
        int rc = RecordCopy(fromDirFd, name, fromLayer, lower, fd);
        Sys.Close(fd);
        return rc;
    }

    /// <summary>Sets the origin of the copy open as <paramref name="copyFd"/> to the lower object.</summary>
    public int RecordCopy(int fromDirFd, ReadOnlySpan<byte> name, int fromLayer, in StatX lower, int copyFd)
    {
        if (!KeepsOrigin(lower))
            return 0;
        Span<byte> value = stackalloc byte[OriginHandle.MaxLength];
        int length = Encode(fromDirFd, name, fromLayer, value);
        return length < 0 ? length : Set(copyFd, value[..length]);
    }

    private static bool KeepsOrigin(in StatX lower) => lower.IsDirectory || lower.LinkCount == 1;

    /// <summary>
    /// ovl_fix_origin: a merged dir found with an upper instance that has no origin (made by hand, or by an old
    /// kernel) records its top-most lower instance, and its parent's upper instance becomes impure.
    /// </summary>
    public int FixMergedDirectory(Node parent, in Resolution found)
    {
        if (!found.IsDirectory || !found.HasLowerDir || found.DirCount == 0 || !layers.IsUpper(found.DirAt(0).Layer))
            return 0;
        int upperFd = found.DirAt(0).Fd;
        int has = Sys.GetXattr(upperFd, OverlayFormat.OriginXattr, Span<byte>.Empty);
        if (has >= 0 || has == -Errno.EOPNOTSUPP)
            return 0;
        int lowerFd = -1;
        for (int i = 0; i < found.DirCount && lowerFd < 0; i++)
        {
            if (found.DirAt(i).Layer == found.LowerDirLayer)
                lowerFd = found.DirAt(i).Fd;
        }
        Span<byte> value = stackalloc byte[OriginHandle.MaxLength];
        int length = Encode(lowerFd, ReadOnlySpan<byte>.Empty, found.LowerDirLayer, value);
        int rc = length < 0 ? length : Set(upperFd, value[..length]);
        int parentUpper = parent.DirFdIn(0);
        if (rc >= 0 && parentUpper >= 0 && layers.IsUpper(0))
            rc = OverlayFormat.MarkImpure(parentUpper);
        return rc;
    }

    // The value for the object at (dirFd, name), or an empty one ("origin unknown") when its filesystem cannot
    // give handles that can be followed back.
    private int Encode(int dirFd, ReadOnlySpan<byte> name, int layer, Span<byte> value)
    {
        if (!filesystems.CanEncode(layer))
            return 0;
        Span<byte> handle = stackalloc byte[Libc.MAX_HANDLE_SZ];
        int length = Sys.NameToHandle(dirFd, name, handle, out int type);
        if (length == -Errno.EOPNOTSUPP)
            return 0;
        return length < 0 ? length : OriginHandle.Encode(filesystems.UuidOf(layer), type, handle[..length], value);
    }

    private static int Set(int fd, ReadOnlySpan<byte> value) =>
        OverlayFormat.NoXattrsIsFine(Sys.SetXattr(fd, OverlayFormat.OriginXattr, value));
}
