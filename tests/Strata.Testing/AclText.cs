using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Strata.Testing;

/// <summary>
/// POSIX ACLs in setfacl's short text form ("u::rw-,u:1001:rwx,g::r--,m::rw-,o::---", entries in the kernel's
/// order) and in their xattr form (system.posix_acl_access/default: a version-2 header, then tag, perm and id
/// per entry), so that tests need no setfacl.
/// </summary>
public static class AclText
{
    public const string AccessXattr = "system.posix_acl_access";
    public const string DefaultXattr = "system.posix_acl_default";

    private static readonly (char Letter, ushort Tag, ushort NamedTag)[] Tags = [('u', 0x01, 0x02), ('g', 0x04, 0x08), ('m', 0x10, 0), ('o', 0x20, 0)];

    public static byte[] ToXattr(string text)
    {
        string[] entries = text.Split(',');
        var value = new byte[4 + 8 * entries.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 2);
        for (int i = 0; i < entries.Length; i++)
        {
            string[] parts = entries[i].Split(':');
            if (parts.Length != 3 || parts[2].Length != 3)
                throw new FormatException($"ACL entry '{entries[i]}' is not of the form tag:id:rwx");
            (char _, ushort tag, ushort namedTag) = Array.Find(Tags, t => t.Letter == parts[0][0]);
            bool named = parts[1].Length > 0;
            Span<byte> entry = value.AsSpan(4 + 8 * i, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, named ? namedTag : tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], Perm(parts[2]));
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], named ? uint.Parse(parts[1], CultureInfo.InvariantCulture) : uint.MaxValue);
        }
        return value;
    }

    /// <summary>The short text form; the hex of the value when it is not a well-formed ACL.</summary>
    public static string FromXattr(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4 || (value.Length - 4) % 8 != 0 || BinaryPrimitives.ReadUInt32LittleEndian(value) != 2)
            return "raw:" + Convert.ToHexString(value);
        var text = new StringBuilder();
        for (int at = 4; at < value.Length; at += 8)
        {
            ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(value[at..]);
            ushort perm = BinaryPrimitives.ReadUInt16LittleEndian(value[(at + 2)..]);
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(value[(at + 4)..]);
            var kind = Array.Find(Tags, t => t.Tag == tag || (t.NamedTag != 0 && t.NamedTag == tag));
            if (text.Length > 0) text.Append(',');
            text.Append(kind.Letter == default ? $"tag{tag}" : kind.Letter.ToString());
            text.Append(':').Append(tag == kind.NamedTag ? id.ToString(CultureInfo.InvariantCulture) : "").Append(':');
            text.Append((perm & 4) != 0 ? 'r' : '-').Append((perm & 2) != 0 ? 'w' : '-').Append((perm & 1) != 0 ? 'x' : '-');
        }
        return text.ToString();
    }

    private static ushort Perm(string rwx) =>
        (ushort)((rwx[0] == 'r' ? 4 : 0) | (rwx[1] == 'w' ? 2 : 0) | (rwx[2] == 'x' ? 1 : 0));
}
