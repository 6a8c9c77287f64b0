using System.Security.Cryptography;
using Strata.Posix;
using Strata.Testing;

namespace Strata.Fuse.Tests;

/// <summary>
/// FUSE over io_uring: with the kernel's parameter on, every request but INIT, FORGET and INTERRUPT comes through
/// the ring queues (one per CPU) and gets the same answers as through /dev/fuse; without it, or when the server
/// does not ask, the session runs on /dev/fuse reads; however the session ends, the ring workers leave.
/// </summary>
public class IoUringTests
{
    [Fact]
    public void RequestsComeThroughARingQueuePerCpu()
    {
        using var parameter = new UringParameter(enabled: true);
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, readdirPlus: true, ioUring: true);
        Assert.True(m.Server.UsesIoUring);
        Assert.Equal(Posix.Posix.PossibleCpus(), m.Server.IoUringQueues);
        Assert.Contains(MountedFileSystem.ReaderThreads(), name => name.StartsWith("fuse-ring-", StringComparison.Ordinal));

        ExerciseFiles(m);
        LifecycleTests.AssertEnded(m, fs, unmount: true);
    }

    [Fact]
    public void RequestsFromEveryCpuAreAnswered()
    {
        using var parameter = new UringParameter(enabled: true);
        using var m = new MountedFileSystem(new MemoryFileSystem(), ioUring: true);
        Assert.True(m.Server.UsesIoUring);
        for (int i = 0; i < 8; i++)
            File.WriteAllText(m.PathOf($"f{i}"), $"file {i}");

        // Threads kept on each CPU in turn, so that every queue gets requests, several at once.
        int cpus = Environment.ProcessorCount;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = new List<Thread>();
        for (int t = 0; t < 2 * cpus; t++)
        {
            int cpu = t % cpus;
            var thread = new Thread(() =>
            {
                Posix.Posix.PinThreadToCpu(cpu);
                for (int round = 0; round < 200; round++)
                {
                    int i = round % 8;
                    string text = File.ReadAllText(m.PathOf($"f{i}"));
                    if (text != $"file {i}")
                        failures.Enqueue($"cpu {cpu}: f{i} read '{text}'");
                    if (Posix.Posix.Stat(m.PathOf($"f{i}"), out StatX st) != 0 || st.Size != (ulong)text.Length)
                        failures.Enqueue($"cpu {cpu}: stat f{i}");
                }
            });
            threads.Add(thread);
            thread.Start();
        }
        foreach (Thread thread in threads)
            Assert.True(thread.Join(MountedFileSystem.Timeout), "a reader thread of the test hung");
        Assert.Empty(failures);
    }

    [Fact]
    public void RingThreadsThatStayAwakeBetweenRequestsAnswerTheSame()
    {
        using var parameter = new UringParameter(enabled: true);
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, readdirPlus: true, ioUring: true, ioUringPoll: TimeSpan.FromMicroseconds(500));
        Assert.True(m.Server.UsesIoUring);

        ExerciseFiles(m);
        LifecycleTests.AssertEnded(m, fs, unmount: true);
    }

    [Fact]
    public void RingThreadsStayAwakeOnlyAMomentAfterTheLastRequest()
    {
        using var parameter = new UringParameter(enabled: true);
        using var m = new MountedFileSystem(new MemoryFileSystem(), ioUring: true, ioUringPoll: TimeSpan.FromMilliseconds(10));
        Assert.True(m.Server.UsesIoUring);
        File.WriteAllText(m.PathOf("f"), "x");
        for (int i = 0; i < 2000; i++)
            AskAbsentXattr(m.PathOf("f"));

        // Each thread stays awake 10 ms after its last reply at most; a thread that never went back to sleep would
        // spend the whole second on its CPU (100 ticks of 10 ms).
        Thread.Sleep(50);
        long before = RingThreadTicks();
        Thread.Sleep(1000);
        long after = RingThreadTicks();
        Assert.True(after - before <= 3, $"the ring threads used {after - before} ticks of CPU time in the second after the last request");
    }

    [Fact]
    public void WithoutTheKernelParameterTheSessionRunsOnDevFuse()
    {
        using var parameter = new UringParameter(enabled: false);
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, ioUring: true);
        Assert.False(m.Server.UsesIoUring);
        Assert.Equal(0, m.Server.IoUringQueues);
        Assert.True(WaitNoRingThreads(), "ring workers stayed although the kernel offered no rings");

        ExerciseFiles(m);
        LifecycleTests.AssertEnded(m, fs, unmount: true);
    }

    [Fact]
    public void AServerThatDoesNotAskGetsNoRings()
    {
        using var parameter = new UringParameter(enabled: true);
        using var m = new MountedFileSystem(new MemoryFileSystem(), ioUring: false);
        Assert.False(m.Server.UsesIoUring);
        Assert.DoesNotContain(MountedFileSystem.ReaderThreads(), name => name.StartsWith("fuse-ring-", StringComparison.Ordinal));
        File.WriteAllText(m.PathOf("f"), "x");
        Assert.Equal("x", File.ReadAllText(m.PathOf("f")));
    }

    [Fact]
    public void ARequestTimeoutKeepsTheSessionOnDevFuse()
    {
        // The kernel's abort for a timed-out request does not reach requests handed to a ring entry whose server
        // thread is stopped, so a server with a timeout asks for no rings.
        using var parameter = new UringParameter(enabled: true);
        using var m = new MountedFileSystem(new MemoryFileSystem(), ioUring: true, requestTimeout: TimeSpan.FromSeconds(30));
        Assert.False(m.Server.UsesIoUring);
        Assert.DoesNotContain(MountedFileSystem.ReaderThreads(), name => name.StartsWith("fuse-ring-", StringComparison.Ordinal));
    }

    [Fact]
    public void StopEndsTheRingWorkers()
    {
        using var parameter = new UringParameter(enabled: true);
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, ioUring: true);
        Assert.True(m.Server.UsesIoUring);
        File.WriteAllText(m.PathOf("f"), "x");

        m.Server.Stop();
        Assert.True(m.Server.HasEnded);
        Assert.Equal(-Errno.ENOTCONN, Posix.Posix.Stat(m.PathOf("f"), out _));
        m.Mount.Unmount(detach: true);
        LifecycleTests.AssertEnded(m, fs);
    }

    /// <summary>Big writes and reads (a whole max_write payload), many names, a listing, renames and removal.</summary>
    private static void ExerciseFiles(MountedFileSystem m)
    {
        byte[] data = RandomNumberGenerator.GetBytes(3 * (1 << 20) + 12345);
        using (var stream = new FileStream(m.PathOf("big"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (int offset = 0; offset < data.Length; offset += 1 << 20)
                stream.Write(data, offset, Math.Min(1 << 20, data.Length - offset));
        }
        Assert.Equal(data, File.ReadAllBytes(m.PathOf("big")));

        Directory.CreateDirectory(m.PathOf("dir"));
        for (int i = 0; i < 300; i++)
            File.WriteAllText(m.PathOf($"dir/{new string('n', 200)}-{i}"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(300, Directory.GetFiles(m.PathOf("dir")).Length);
        File.Move(m.PathOf($"dir/{new string('n', 200)}-7"), m.PathOf("moved"));
        Assert.Equal("7", File.ReadAllText(m.PathOf("moved")));
        foreach (string file in Directory.GetFiles(m.PathOf("dir")))
            File.Delete(file);
        Directory.Delete(m.PathOf("dir"));
        Assert.False(Directory.Exists(m.PathOf("dir")));
        Assert.Equal(-Errno.ENOENT, Posix.Posix.Stat(m.PathOf("absent"), out _));
    }

    private static unsafe void AskAbsentXattr(string path)
    {
        byte[] p = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* pp = p)
        fixed (byte* name = "user.absent\0"u8)
            Libc.getxattr(pp, name, null, 0);
    }

    /// <summary>The CPU time (user and system, in clock ticks) the ring threads of this process have used.</summary>
    private static long RingThreadTicks()
    {
        long ticks = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("fuse-ring-", StringComparison.Ordinal))
                    continue;
                // "pid (comm) state ..." : utime and stime are the 12th and 13th fields after the comm.
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture)
                    + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return ticks;
    }

    private static bool WaitNoRingThreads()
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (MountedFileSystem.ReaderThreads().Exists(name => name.StartsWith("fuse-ring-", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(20);
        }
        return true;
    }
}
