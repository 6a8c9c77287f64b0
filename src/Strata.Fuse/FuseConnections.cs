using System.Globalization;
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
        // The kernel's internal dev_t of the superblock, as fusectl names the connection.
        return MountInfo.Find(mountPoint) is { } entry && entry.FsType.StartsWith("fuse", StringComparison.Ordinal)
            ? (entry.Major << 20) | entry.Minor
            : null;
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
}
