using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>
/// Mounts a filesystem on a fresh directory under /tmp and serves it. Dispose always leaves no mount behind:
/// lazy unmount, and if the readers do not end, an abort through fusectl. Every wait is bounded.
/// </summary>
internal sealed class MountedFileSystem : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public MountedFileSystem(FuseFileSystem fs, bool readdirPlus = false, bool debug = false, TextWriter? log = null, int threads = 0, bool fusermount = false, bool passthrough = false, TimeSpan? requestTimeout = null, bool ioUring = false, TimeSpan ioUringPoll = default)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("strata-fuse-test-").FullName;
        if (!Directory.StartsWith("/tmp/", StringComparison.Ordinal))
        {
            System.IO.Directory.Delete(Directory);
            Directory = System.IO.Directory.CreateDirectory("/tmp/strata-fuse-test-" + Guid.NewGuid().ToString("N")).FullName;
        }
        try
        {
            Mount = fusermount
                ? FuseMount.MountWithFusermount(Directory, new FuseMountOptions())
                : FuseMount.Mount(Directory, new FuseMountOptions());
            Server = new FuseServer(Mount.DeviceFd, fs, new FuseServerOptions
            {
                Threads = threads > 0 ? threads : Math.Max(2, Environment.ProcessorCount),
                ReaddirPlus = readdirPlus,
                Debug = debug,
                Log = log,
                ConnectionId = Mount.ConnectionId,
                Passthrough = passthrough,
                RequestTimeout = requestTimeout,
                AutoInvalidateData = true,
                IoUring = ioUring,
                IoUringPoll = ioUringPoll,
            });
            Server.Start();
            // The kernel sends INIT only after mount(2) returns; what INIT settles (Server.Connection) is known once it is answered.
            if (!Server.WaitForInit(Timeout))
                throw new TimeoutException($"the kernel sent no INIT for {Directory} within {Timeout.TotalSeconds} s");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Directory { get; }

    public FuseMount Mount { get; } = null!;

    public FuseServer Server { get; } = null!;

    public string PathOf(string relative) => Path.Combine(Directory, relative);

    public bool IsMounted => IsMountPoint(Directory);

    public static bool IsMountPoint(string dir)
    {
        foreach (string line in File.ReadLines("/proc/self/mounts"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 2 && fields[1] == dir)
                return true;
        }
        return false;
    }

    /// <summary>The names (comm) of this process's threads that serve FUSE requests: /dev/fuse readers and io_uring workers.</summary>
    public static List<string> ReaderThreads()
    {
        var names = new List<string>();
        foreach (string task in System.IO.Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                if (comm.StartsWith("fuse-reader-", StringComparison.Ordinal) || comm.StartsWith("fuse-ring-", StringComparison.Ordinal))
                    names.Add(comm);
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return names;
    }

    /// <summary>Waits (bounded) until no reader thread is left in the process.</summary>
    public static bool WaitNoReaderThreads()
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (ReaderThreads().Count > 0)
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(20);
        }
        return true;
    }

    public void Dispose()
    {
        if (Server is not null && !Server.HasEnded)
        {
            FuseMount.TryUnmount(Directory, lazy: true, out _);
            if (!Server.Wait(TimeSpan.FromSeconds(10)))
            {
                Mount?.Abort();
                Server.Wait(TimeSpan.FromSeconds(10));
            }
        }
        if (IsMountPoint(Directory))
            FuseMount.TryUnmount(Directory, lazy: true, out _);
        Mount?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory);
        }
        catch (IOException)
        {
            // Still a mount point or not empty: leave the empty directory rather than hide the real failure.
        }
    }

    /// <summary>stat(2) that follows symlinks, failing the test on error.</summary>
    public static StatX Stat(string path, bool follow = true)
    {
        int r = Posix.Posix.Stat(path, out StatX st, follow);
        Assert.True(r == 0, $"stat {path}: {Errno.Describe(r)}");
        return st;
    }
}
