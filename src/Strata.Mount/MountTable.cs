using System.Text;

namespace Strata.Mount;

/// <summary>One line of /proc/self/mountinfo.</summary>
public sealed record MountEntry(string MountPoint, string FsType, string Source);

/// <summary>Reads the mount table, to tell whether a dir is already a Strata (or any) mount.</summary>
public static class MountTable
{
    public const string StrataFsType = "fuse.strata";

    public static IReadOnlyList<MountEntry> Read()
    {
        var entries = new List<MountEntry>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 2 >= fields.Length) continue;
            entries.Add(new MountEntry(Unescape(fields[4]), fields[dash + 1], Unescape(fields[dash + 2])));
        }
        return entries;
    }

    /// <summary>The top-most mount on exactly this path, if any.</summary>
    public static MountEntry? Find(string mountPoint)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        MountEntry? found = null;
        foreach (MountEntry entry in Read())
        {
            if (entry.MountPoint == full) found = entry;
        }
        return found;
    }

    public static bool IsStrata(MountEntry entry) => entry.FsType == StrataFsType;

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo octal.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal)) return s;
        var bytes = new List<byte>(s.Length);
        byte[] raw = Encoding.UTF8.GetBytes(s);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length + 0 && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
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

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
