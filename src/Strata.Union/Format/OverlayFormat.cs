using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Format;

/// <summary>How an open layer directory is marked: opaque (stops the merge) and/or holding xattr whiteouts.</summary>
internal readonly record struct DirMarking(bool Opaque, bool HasXattrWhiteouts);

/// <summary>
/// The kernel overlayfs on-disk format, in one place: whiteouts (char device 0/0, the xattr form, the OCI
/// <c>.wh.</c> forms), opaque directories and the private <c>trusted.overlay.*</c> xattr namespace.
/// We write only the kernel's forms (char 0/0, opaque=y); the others are read so that layers written by
/// other tools (OCI unpackers, fuse-overlayfs) work.
/// </summary>
internal static class OverlayFormat
{
    public static ReadOnlySpan<byte> PrivateXattrPrefix => "trusted.overlay."u8;

    public static ReadOnlySpan<byte> OpaqueXattr => "trusted.overlay.opaque"u8;

    public static ReadOnlySpan<byte> WhiteoutXattr => "trusted.overlay.whiteout"u8;

    /// <summary>On a copied-up object: the lower object it came from (<see cref="OriginHandle"/>).</summary>
    public static ReadOnlySpan<byte> OriginXattr => "trusted.overlay.origin"u8;

    /// <summary>impure=y on an upper dir: some entries inside are copied up (their inode numbers are their origins').</summary>
    public static ReadOnlySpan<byte> ImpureXattr => "trusted.overlay.impure"u8;

    /// <summary>On a renamed dir: where its lower instances are (a name in the same parent, or "/a/b" from the root).</summary>
    public static ReadOnlySpan<byte> RedirectXattr => "trusted.overlay.redirect"u8;

    public static ReadOnlySpan<byte> OciWhiteoutPrefix => ".wh."u8;

    public static ReadOnlySpan<byte> OciOpaqueMarker => ".wh..wh..opq"u8;

    /// <summary>opaque=y: the directory hides everything below it.</summary>
    public const byte OpaqueYes = (byte)'y';

    public const byte ImpureYes = (byte)'y';

    /// <summary>opaque=x: not opaque, but some entries inside are xattr whiteouts.</summary>
    public const byte OpaqueHasXattrWhiteouts = (byte)'x';

    /// <summary>Xattrs of this namespace are the overlay's bookkeeping and never shown to or set by users.</summary>
    public static bool IsPrivateXattr(ReadOnlySpan<byte> name) => name.StartsWith(PrivateXattrPrefix);

    /// <summary>A <c>.wh.</c> name is a marker in OCI-style lower layers, never a visible entry.</summary>
    public static bool IsOciMarkerName(ReadOnlySpan<byte> name) => name.StartsWith(OciWhiteoutPrefix);

    /// <summary>Reads the marking of an open directory. OCI opaque markers count only in lower layers.</summary>
    public static DirMarking ReadMarking(int dirFd, bool lowerLayer)
    {
        Span<byte> value = stackalloc byte[1];
        int n = Sys.GetXattr(dirFd, OpaqueXattr, value);
        bool opaque = n == 1 && value[0] == OpaqueYes;
        bool xattrWhiteouts = n == 1 && value[0] == OpaqueHasXattrWhiteouts;
        if (!opaque && lowerLayer && Sys.Stat(dirFd, OciOpaqueMarker, out _) == 0)
            opaque = true;
        return new DirMarking(opaque, xattrWhiteouts);
    }

    /// <summary>Whether the entry <paramref name="name"/> (already stat'ed) of a layer dir is a whiteout.</summary>
    public static bool IsWhiteout(int dirFd, ReadOnlySpan<byte> name, in StatX st, bool dirHasXattrWhiteouts)
    {
        if (st.IsWhiteoutDevice)
            return true;
        return dirHasXattrWhiteouts && st.IsRegular && st.Size == 0 && HasWhiteoutXattr(dirFd, name);
    }

    private static bool HasWhiteoutXattr(int dirFd, ReadOnlySpan<byte> name)
    {
        int fd = Sys.OpenAt(dirFd, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0)
            return false;
        int n = Sys.GetXattr(fd, WhiteoutXattr, Span<byte>.Empty);
        Sys.Close(fd);
        return n >= 0;
    }

    /// <summary>Whether an OCI whiteout <c>.wh.NAME</c> sits next to where NAME would be.</summary>
    public static bool HasOciWhiteout(int dirFd, ReadOnlySpan<byte> name)
    {
        if (name.Length + OciWhiteoutPrefix.Length > Sys.NameMax)
            return false;
        Span<byte> marker = stackalloc byte[name.Length + OciWhiteoutPrefix.Length];
        OciWhiteoutPrefix.CopyTo(marker);
        name.CopyTo(marker[OciWhiteoutPrefix.Length..]);
        return Sys.Stat(dirFd, marker, out _) == 0;
    }

    /// <summary>Creates the kernel's whiteout: a character device 0/0 with mode 0 (what overlayfs itself makes).</summary>
    public static int MakeWhiteout(int dirFd, ReadOnlySpan<byte> name) =>
        Sys.MknodAt(dirFd, name, FileType.S_IFCHR, 0);

    public static int MarkOpaque(int dirFd) => Sys.SetXattr(dirFd, OpaqueXattr, [OpaqueYes]);

    /// <summary>Whether an upper dir carries impure=y (the kernel's ovl_is_impuredir).</summary>
    public static bool IsImpure(int dirFd)
    {
        Span<byte> value = stackalloc byte[1];
        return Sys.GetXattr(dirFd, ImpureXattr, value) == 1 && value[0] == ImpureYes;
    }

    /// <summary>Marks an upper dir impure=y unless it is already (the kernel's ovl_set_impure).</summary>
    public static int MarkImpure(int dirFd)
    {
        if (IsImpure(dirFd))
            return 0;
        return NoXattrsIsFine(Sys.SetXattr(dirFd, ImpureXattr, [ImpureYes]));
    }

    /// <summary>
    /// An upper filesystem without (trusted) xattrs, or a server without the right to set them, only loses the
    /// records that keep inode numbers: the kernel then mounts with noxattr and goes on too.
    /// </summary>
    public static int NoXattrsIsFine(int rc) => rc is -Errno.EOPNOTSUPP or -Errno.EPERM ? 0 : rc;
}
