using System.Text;

namespace Strata.Image.Tests.Support;

/// <summary>
/// Writes tar headers byte by byte, for the inputs TarWriter refuses to make: names with invalid UTF-8 or
/// NUL bytes, negative or overflowing size fields, PAX and GNU long-name records of any size and content,
/// missing end markers. Each header gets a correct checksum unless asked otherwise.
/// </summary>
public sealed class RawTar
{
    private readonly MemoryStream _out = new();

    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>A header with the given name bytes, type flag and size field (octal unless raw bytes are given).</summary>
    public RawTar Header(byte[] name, char type, long size = 0, byte[]? rawSize = null, byte[]? linkName = null, string mode = "0000644", bool badChecksum = false)
    {
        byte[] h = new byte[512];
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(h);
        Ascii(mode.PadLeft(7, '0') + "\0").CopyTo(h, 100);
        Ascii("0000000\0").CopyTo(h, 108);
        Ascii("0000000\0").CopyTo(h, 116);
        (rawSize ?? Ascii(Convert.ToString(size, 8).PadLeft(11, '0') + "\0")).AsSpan(0, 12).CopyTo(h.AsSpan(124));
        Ascii("14616356751\0").CopyTo(h, 136);
        h[156] = (byte)type;
        linkName?.AsSpan(0, Math.Min(linkName.Length, 100)).CopyTo(h.AsSpan(157));
        Ascii("ustar\0").CopyTo(h, 257);
        Ascii("00").CopyTo(h, 263);
        h.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in h)
            sum += b;
        Ascii(Convert.ToString(sum + (badChecksum ? 1 : 0), 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        _out.Write(h);
        return this;
    }

    /// <summary>Data padded to the 512-byte block.</summary>
    public RawTar Data(ReadOnlySpan<byte> data)
    {
        _out.Write(data);
        int pad = (512 - data.Length % 512) % 512;
        _out.Write(new byte[pad]);
        return this;
    }

    public RawTar File(byte[] name, byte[] content, byte[]? rawSize = null) => Header(name, '0', content.Length, rawSize).Data(content);

    public RawTar File(string name, string content) => File(Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(content));

    /// <summary>A PAX extended header ('x') with the given records (key, value bytes), then the entry it describes must follow.</summary>
    public RawTar Pax(params (string Key, byte[] Value)[] records)
    {
        var data = new MemoryStream();
        foreach ((string key, byte[] value) in records)
        {
            int body = Encoding.UTF8.GetByteCount(key) + value.Length + 3;
            int length = body + body.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            if (length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + body != length)
                length++;
            data.Write(Ascii($"{length} {key}="));
            data.Write(value);
            data.WriteByte((byte)'\n');
        }
        return Header(Ascii("PaxHeaders/x"), 'x', data.Length).Data(data.ToArray());
    }

    /// <summary>A GNU long name record ('L') for the next entry.</summary>
    public RawTar GnuLongName(byte[] name) => Header(Ascii("././@LongLink"), 'L', name.Length + 1).Data([.. name, 0]);

    public RawTar Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public byte[] End() => [.. _out.ToArray(), .. new byte[1024]];

    public byte[] WithoutEnd() => _out.ToArray();
}
