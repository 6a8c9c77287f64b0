using System.Globalization;
using System.Text;
using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// The kernel's per-connection control files (fusectl, /sys/fs/fuse/connections/N). A connection is named by the
/// device number of its superblock, which /proc/self/mountinfo shows without touching the (maybe hung) mount.
/// </summary>
public static class FuseConnections
{
    private const string ControlDir = "/sys/fs/fuse/connections";

    /// <summary>The connection number of the FUSE mount at <paramref name="mountPoint"/>, or null if there is none.</summary>
    public static uint? Find(string mountPoint)
    {
        string escaped = EscapeMountInfo(Path.GetFullPath(mountPoint).TrimEnd('/'));
        uint? found = null;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "36 35 0:45 / /mnt rw,nosuid - fuse.strata strata rw,..." : field 3 is major:minor, field 5 the mount point.
            string[] fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || dash < 0 || dash + 1 >= fields.Length || fields[4] != escaped)
                continue;
            if (!fields[dash + 1].StartsWith("fuse", StringComparison.Ordinal))
                continue;
            string[] dev = fields[2].Split(':');
            uint major = uint.Parse(dev[0], CultureInfo.InvariantCulture);
            uint minor = uint.Parse(dev[1], CultureInfo.InvariantCulture);
            found = (major << 20) | minor; // The kernel's internal dev_t, printed with %u. The last (top) mount wins.
        }
        return found;
    }

    /// <summary>
    /// Aborts connection <paramref name="id"/>: every request fails and the server's reads return ENODEV. When fusectl
    /// is not mounted, it is mounted on a private temporary directory for the moment. False if there is no such connection.
    /// </summary>
    public static bool Abort(uint id)
    {
        string name = id.ToString(CultureInfo.InvariantCulture);
        if (Directory.Exists(Path.Combine(ControlDir, name)))
            return WriteAbort(Path.Combine(ControlDir, name, "abort"));

        string temp = Path.Combine(Path.GetTempPath(), "strata-fusectl-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            if (Libc.mount("fusectl", temp, "fusectl", Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_NOEXEC, null) != 0)
                throw new FuseMountException(Errno.Last, $"cannot mount fusectl on {temp}: {Errno.Describe(Errno.Last)}");
            try
            {
                return Directory.Exists(Path.Combine(temp, name)) && WriteAbort(Path.Combine(temp, name, "abort"));
            }
            finally
            {
                Libc.umount2(temp, Libc.MNT_DETACH);
            }
        }
        finally
        {
            Directory.Delete(temp);
        }
    }

    private static bool WriteAbort(string path)
    {
        try
        {
            File.WriteAllText(path, "1");
            return true;
        }
        catch (IOException)
        {
            return false; // The connection went away meanwhile.
        }
    }

    /// <summary>mountinfo writes space, tab, newline and backslash as octal escapes.</summary>
    private static string EscapeMountInfo(string path)
    {
        var sb = new StringBuilder(path.Length);
        foreach (char c in path)
        {
            if (c is ' ' or '\t' or '\n' or '\\')
                sb.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
