using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// Follows trusted.overlay.origin of an upper object to the lower object it was copied up from, as ovl_lookup
/// does for a non-dir (ovl_check_origin): the handle is opened on each lower layer's filesystem whose uuid it
/// names, top first. The kernel takes the inode it finds (a non-dir handle is not tied to a path, so it does
/// not check where in that filesystem it lies); a handle gone stale, naming another filesystem, or naming an
/// object of another type than the upper's means "origin unknown".
/// </summary>
internal sealed class Origins(LayerStack layers, LayerFilesystems filesystems)
{
    /// <summary>Whether the upper object (name in upperDirFd, of type mode) has an origin that still exists; its statx and layer.</summary>
    public bool Find(int upperDirFd, ReadOnlySpan<byte> name, uint mode, out StatX lower, out int layer)
    {
        lower = default;
        layer = -1;
        Span<byte> value = stackalloc byte[OriginHandle.MaxLength];
        int n = Read(upperDirFd, name, value);
        if (n <= 0 || OriginHandle.Parse(value[..n], out ReadOnlySpan<byte> uuid, out int type, out ReadOnlySpan<byte> handle) != OriginKind.Handle)
            return false;
        ulong tried = 0;
        for (int i = 0; i < layers.LayerCount; i++)
        {
            if (layers.IsUpper(i) || !filesystems.CanFollowOrigins(i) || !uuid.SequenceEqual(filesystems.UuidOf(i)))
                continue;
            // Layers on one filesystem decode a handle alike: the first of them stands for all.
            ulong bit = 1UL << (filesystems.FsidOf(i) & 63);
            if ((tried & bit) != 0)
                continue;
            tried |= bit;
            int fd = Sys.OpenByHandle(layers.RootFd(i), handle, type, OpenFlags.O_PATH);
            if (fd < 0)
                continue;
            int rc = Sys.FStat(fd, out lower);
            Sys.Close(fd);
            if (rc < 0)
                return false;
            layer = i;
            return (lower.Mode & FileType.S_IFMT) == (mode & FileType.S_IFMT);
        }
        return false;
    }

    private static int Read(int dirFd, ReadOnlySpan<byte> name, Span<byte> value) =>
        Sys.GetXattrAt(dirFd, name, OverlayFormat.OriginXattr, value);
}
