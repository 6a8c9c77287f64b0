using System.Text;

namespace Strata.Image.Tests.Support;

/// <summary>
/// Seeded mutations of layer tars and mount option strings for the bounded in-process fuzz tests: bit flips,
/// interesting bytes, tar header fields (size, type, name, link) rewritten with a fixed-up checksum (else
/// nearly every input would stop at the checksum), truncation, duplicated and spliced blocks; for options,
/// sequences of the parser's own tokens and stray bytes.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly byte[] Interesting = [0, 0xFF, 0x80, 0x7F, (byte)'0', (byte)'7', (byte)' ', (byte)'/', (byte)'.', (byte)'x', (byte)'L', (byte)'K', (byte)'S', (byte)'g', (byte)'1', (byte)'2', (byte)'3', (byte)'5', (byte)'\n'];

    private static readonly string[] Names = ["../x", "/abs/x", "a/../../b", "./.wh..wh..opq", ".wh.", ".wh...", "a/.wh.b", "etc", "etc/passwd", "etc/sym/x", ".", "", new string('n', 99), "a//b/./c"];

    private static readonly string[] Sizes = ["00000000000\0", "77777777777\0", "99999999999\0", "-0000000001\0", "00000001000\0", "        \0\0\0\0", "00010000000\0"];

    private static readonly string[] OptionTokens =
    [
        "lowerdir=", "lowerdir+=", "upperdir=", "workdir=", ",", ",", ":", ":", "\\", "\\,", "\\:", "./l0", "./l1", "./upper", "./work",
        "./upper/w", "./nothere", "ro", "rw", "=", "request_timeout=", "30", "0", "-1", "redirect_dir=on", "redirect_dir=off", "xino=auto",
        "index=on", "fsname=", "volatile", "\0", "\uFFFD", "\n", "..", "/", "x-y", "noatime", "subtype=", "lowerdir=./l0:./l1",
    ];

    public byte[] MutateTar(byte[] seed, IReadOnlyList<byte[]> others)
    {
        var data = new List<byte>(seed);
        int count = 1 + random.Next(4);
        for (int i = 0; i < count && data.Count > 0; i++)
        {
            int header = random.Next(Math.Max(data.Count / 512, 1)) * 512;
            switch (random.Next(9))
            {
                case 0:
                    int at = random.Next(data.Count);
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data[random.Next(data.Count)] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    Write(data, header + 124, Encoding.ASCII.GetBytes(Sizes[random.Next(Sizes.Length)]));
                    break;
                case 3:
                    Write(data, header + 156, [Interesting[random.Next(Interesting.Length)]]);
                    break;
                case 4:
                    int cut = random.Next(data.Count);
                    data.RemoveRange(cut, data.Count - cut);
                    break;
                case 5:
                    int from = random.Next(Math.Max(data.Count / 512, 1)) * 512;
                    int length = Math.Min(512 * (1 + random.Next(3)), data.Count - from);
                    if (length > 0)
                        data.InsertRange(random.Next(Math.Max(data.Count / 512, 1)) * 512, data.GetRange(from, length));
                    break;
                case 6:
                    byte[] name = Encoding.UTF8.GetBytes(Names[random.Next(Names.Length)] + "\0");
                    Write(data, header + (random.Next(2) == 0 ? 0 : 157), name);
                    break;
                case 7:
                    byte[] other = others[random.Next(others.Count)];
                    int start = random.Next(other.Length);
                    int take = Math.Min(random.Next(1, 2048), other.Length - start);
                    data.InsertRange(random.Next(data.Count), other.AsSpan(start, take).ToArray());
                    break;
                default:
                    // A PAX record of our own (path, linkpath, size, an xattr) in place of the data after a header.
                    string[] records = ["path=../../x", "linkpath=/etc/passwd", "size=99999999999", "size=-1", "SCHILY.xattr.trusted.overlay.opaque=y", "path=a\u0000b", "mtime=abc"];
                    string record = records[random.Next(records.Length)];
                    string line = $"{record.Length + 4} {record}\n";
                    Write(data, header + 512, Encoding.UTF8.GetBytes(line));
                    break;
            }
        }
        byte[] result = [.. data];
        FixChecksums(result);
        return result;
    }

    public byte[] MutateOptions(byte[] seed)
    {
        if (random.Next(3) == 0)
        {
            var sb = new StringBuilder();
            for (int i = random.Next(1, 14); i > 0; i--)
                sb.Append(OptionTokens[random.Next(OptionTokens.Length)]);
            return Encoding.UTF8.GetBytes(sb.ToString());
        }
        var text = new List<byte>(seed);
        for (int i = random.Next(1, 5); i > 0; i--)
        {
            int at = random.Next(text.Count + 1);
            switch (random.Next(3))
            {
                case 0 when text.Count > 0 && at < text.Count:
                    text.RemoveAt(at);
                    break;
                case 1:
                    text.InsertRange(at, Encoding.UTF8.GetBytes(OptionTokens[random.Next(OptionTokens.Length)]));
                    break;
                default:
                    text.Insert(at, (byte)random.Next(256));
                    break;
            }
        }
        return [.. text];
    }

    private static void Write(List<byte> data, int at, byte[] bytes)
    {
        for (int i = 0; i < bytes.Length && at + i < data.Count; i++)
            data[at + i] = bytes[i];
    }

    /// <summary>Most blocks that look like ustar headers get a correct checksum again; a few are left wrong on purpose.</summary>
    private void FixChecksums(byte[] data)
    {
        for (int at = 0; at + 512 <= data.Length; at += 512)
        {
            if (!data.AsSpan(at + 257, 5).SequenceEqual("ustar"u8) || random.Next(10) == 0)
                continue;
            data.AsSpan(at + 148, 8).Fill((byte)' ');
            int sum = 0;
            foreach (byte b in data.AsSpan(at, 512))
                sum += b;
            Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(data, at + 148);
        }
    }
}
