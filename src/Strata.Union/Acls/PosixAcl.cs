using System.Buffers.Binary;
using Strata.Posix;

namespace Strata.Union.Acls;

/// <summary>
/// A POSIX ACL in its xattr form (include/uapi/linux/posix_acl_xattr.h: a version-2 header, then 8-byte entries
/// of tag, perm and id, little-endian), worked on in place, and the kernel's rule that fits an inherited ACL to
/// the mode asked for at creation (posix_acl_create_masq).
/// </summary>
internal static class PosixAcl
{
    public static ReadOnlySpan<byte> AccessName => "system.posix_acl_access"u8;

    public static ReadOnlySpan<byte> DefaultName => "system.posix_acl_default"u8;

    private const int HeaderSize = 4;
    private const int EntrySize = 8;
    private const uint Version = 2;

    private const ushort UserObj = 0x01, User = 0x02, GroupObj = 0x04, Group = 0x08, Mask = 0x10, Other = 0x20;

    /// <summary>Whether the value has the xattr form's shape (what the kernel's posix_acl_from_xattr checks first).</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> acl) =>
        acl.Length >= HeaderSize && (acl.Length - HeaderSize) % EntrySize == 0
        && BinaryPrimitives.ReadUInt32LittleEndian(acl) == Version;

    /// <summary>
    /// Narrows an inherited ACL (a copy of the parent's default) and the new object's mode to each other, as
    /// posix_acl_create_masq: the owner, other and mask (or group, without a mask) entries keep only what the mode
    /// grants, and the mode only what they grant. Returns 1 when the object needs the ACL (named entries or a mask),
    /// 0 when the mode says it all, -EIO for an ACL the kernel would refuse.
    /// </summary>
    public static int FitToMode(Span<byte> acl, ref uint mode)
    {
        if (!IsWellFormed(acl))
            return -Errno.EIO;
        uint m = mode;
        int groupObj = -1, mask = -1;
        bool notEquivalent = false;
        for (int at = HeaderSize; at < acl.Length; at += EntrySize)
        {
            Span<byte> entry = acl.Slice(at, EntrySize);
            uint perm = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            switch (BinaryPrimitives.ReadUInt16LittleEndian(entry))
            {
                case UserObj:
                    perm &= (m >> 6) | ~0x7u;
                    m &= (perm << 6) | ~0x1C0u;
                    WritePerm(entry, perm);
                    break;
                case User or Group:
                    notEquivalent = true;
                    break;
                case GroupObj:
                    groupObj = at;
                    break;
                case Other:
                    perm &= m | ~0x7u;
                    m &= perm | ~0x7u;
                    WritePerm(entry, perm);
                    break;
                case Mask:
                    mask = at;
                    notEquivalent = true;
                    break;
                default:
                    return -Errno.EIO;
            }
        }
        int groupClass = mask >= 0 ? mask : groupObj;
        if (groupClass < 0)
            return -Errno.EIO;
        Span<byte> g = acl.Slice(groupClass, EntrySize);
        uint gperm = BinaryPrimitives.ReadUInt16LittleEndian(g[2..]) & ((m >> 3) | ~0x7u);
        m &= (gperm << 3) | ~0x38u;
        WritePerm(g, gperm);
        mode = (mode & ~0x1FFu) | (m & 0x1FF);
        return notEquivalent ? 1 : 0;
    }

    private static void WritePerm(Span<byte> entry, uint perm) => BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], (ushort)perm);
}
