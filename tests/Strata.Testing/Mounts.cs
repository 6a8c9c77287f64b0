using Strata.Posix;

namespace Strata.Testing;

/// <summary>Mount table look-ups and the last-resort clean-up that every mounting test runs, pass or fail.</summary>
public static class Mounts
{
    public static bool IsMounted(string mountPoint, string? fsType = null)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        return MountInfo.Read().Exists(e => e.MountPoint == full && (fsType is null || e.FsType == fsType));
    }

    /// <summary>Unmounts whatever is on mountPoint (lazily, so it cannot block), aborting a hung FUSE connection, and ends its server.</summary>
    public static void ForceCleanUp(string mountPoint)
    {
        for (int i = 0; i < 5 && IsMounted(mountPoint); i++)
        {
            AbortFuseConnection(mountPoint);
            ProcessRunner.Run("umount", ["-l", mountPoint], TimeSpan.FromSeconds(20));
        }
        KillServersOf(mountPoint);
    }

    /// <summary>Waits for the server processes of a mount point (found by their command line) to end; kills them after the limit.</summary>
    public static bool WaitForServersToExit(string mountPoint, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (ServerPids(mountPoint).Count == 0) return true;
            Thread.Sleep(50);
        }
        KillServersOf(mountPoint);
        return false;
    }

    public static List<int> ServerPids(string mountPoint)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            try
            {
                string[] argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv.Any(a => a.EndsWith("strata.dll", StringComparison.Ordinal) || a.EndsWith("/strata", StringComparison.Ordinal))
                    && argv.Contains(full))
                    pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    private static void KillServersOf(string mountPoint)
    {
        foreach (int pid in ServerPids(mountPoint))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>
    /// Ends a FUSE connection through fusectl, which frees every process waiting on the mount (a hung or
    /// self-deadlocked server included). FuseConnections mounts fusectl privately where /sys/fs/fuse/connections
    /// is not mounted, as on the CI machines.
    /// </summary>
    private static void AbortFuseConnection(string mountPoint)
    {
        if (Strata.Fuse.FuseConnections.Find(mountPoint) is uint id)
            Strata.Fuse.FuseConnections.Abort(id);
    }
}
