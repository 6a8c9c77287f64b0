using System.Globalization;
using System.Text;

namespace Strata.Posix;

/// <summary>One line of /proc/self/mountinfo: where, what type, from which source, and the superblock's device number.</summary>
public sealed record MountInfoEntry(string MountPoint, string FsType, string Source, uint Major, uint Minor);

/// <summary>
/// The mount table as the kernel shows it, read without touching any mount (so a hung FUSE mount cannot block it).
/// The one reader of /proc/self/mountinfo.
/// </summary>
public static class MountInfo
{
    public static List<MountInfoEntry> Read()
    {
        var entries = new List<MountInfoEntry>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            string[] f = line.Split(' ');
            int dash = Array.IndexOf(f, "-");
            if (f.Length < 5 || dash < 0 || dash + 2 >= f.Length) continue;
            string[] dev = f[2].Split(':');
            if (dev.Length != 2
                || !uint.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint major)
                || !uint.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint minor))
                continue;
            entries.Add(new MountInfoEntry(Unescape(f[4]), f[dash + 1], Unescape(f[dash + 2]), major, minor));
        }
        return entries;
    }

    /// <summary>The top-most mount on exactly this path (made absolute), if any.</summary>
    public static MountInfoEntry? Find(string mountPoint)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        MountInfoEntry? found = null;
        foreach (MountInfoEntry entry in Read())
        {
            if (entry.MountPoint == full) found = entry;
        }
        return found;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as \ooo octal escapes.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal)) return s;
        byte[] raw = Encoding.UTF8.GetBytes(s);
        var bytes = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && IsOctal(raw, i + 1) && IsOctal(raw, i + 2) && IsOctal(raw, i + 3))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(byte[] raw, int i) => i < raw.Length && raw[i] is >= (byte)'0' and <= (byte)'7';
}
