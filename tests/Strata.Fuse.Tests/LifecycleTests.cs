using System.Diagnostics;
using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>However the session ends, every reader returns, Destroy runs once, and no mount is left.</summary>
public class LifecycleTests
{
    [Fact]
    public void OwnUnmountEndsTheSession()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        File.WriteAllText(m.PathOf("f"), "x");
        Assert.True(m.IsMounted);

        m.Mount.Unmount(detach: false);
        AssertEnded(m, fs);
    }

    [Fact]
    public void LazyUnmountEndsTheSession()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        Assert.True(MountedFileSystem.Stat(m.Directory).IsDirectory);
        Assert.True(FuseMount.TryUnmount(m.Directory, lazy: true, out int errno), Errno.Describe(errno));
        AssertEnded(m, fs);
    }

    [Fact]
    public void FusermountUnmountEndsTheSession() => ExternalUnmount("fusermount3", "-u");

    [Fact]
    public void UmountCommandEndsTheSession() => ExternalUnmount("umount", null);

    [Fact]
    public void StopAbortsTheConnection()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        File.WriteAllText(m.PathOf("f"), "x");
        Assert.NotNull(m.Mount.ConnectionId);

        m.Server.Stop();
        Assert.True(m.Server.HasEnded);
        Assert.Equal(-Errno.ENOTCONN, Posix.Posix.Stat(m.PathOf("f"), out _));
        m.Mount.Unmount(detach: true);
        AssertEnded(m, fs);
    }

    [Fact]
    public void MountThroughFusermountWorks()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, fusermount: true);
        Assert.True(m.Mount.ThroughFusermount);
        Assert.NotNull(m.Mount.ConnectionId);
        File.WriteAllText(m.PathOf("f"), "via fusermount3");
        Assert.Equal("via fusermount3", File.ReadAllText(m.PathOf("f")));
        Assert.Equal(Libc.FD_CLOEXEC, Libc.fcntl(m.Mount.DeviceFd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);

        m.Mount.Unmount(detach: false);
        AssertEnded(m, fs);
    }

    [Fact]
    public void DeviceFdIsCloseOnExec()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem());
        Assert.Equal(Libc.FD_CLOEXEC, Libc.fcntl(m.Mount.DeviceFd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
    }

    [Fact]
    public void TryUnmountReportsErrors()
    {
        string dir = Directory.CreateTempSubdirectory("strata-fuse-test-").FullName;
        try
        {
            Assert.False(FuseMount.TryUnmount(dir, lazy: false, out int errno));
            Assert.Equal(Errno.EINVAL, errno);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void MountFailureThrowsWithTheMountPoint()
    {
        var e = Assert.Throws<FuseMountException>(() => FuseMount.Mount("/tmp/strata-no-such-dir-" + Guid.NewGuid().ToString("N"), new FuseMountOptions()));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("/tmp/strata-no-such-dir-", e.Message, StringComparison.Ordinal);
    }

    private static void ExternalUnmount(string program, string? flag)
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        File.WriteAllText(m.PathOf("f"), "x");

        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        if (flag is not null)
            start.ArgumentList.Add(flag);
        start.ArgumentList.Add(m.Directory);
        using Process process = Process.Start(start)!;
        Assert.True(process.WaitForExit(MountedFileSystem.Timeout), $"{program} hung");
        Assert.True(process.ExitCode == 0, $"{program}: {process.StandardError.ReadToEnd()}");
        AssertEnded(m, fs);
    }

    /// <summary>That the session ended and left nothing (with <paramref name="unmount"/>: after unmounting it first).</summary>
    internal static void AssertEnded(MountedFileSystem m, MemoryFileSystem fs, bool unmount = false)
    {
        if (unmount)
            m.Mount.Unmount(detach: false);
        Assert.True(m.Server.Wait(MountedFileSystem.Timeout), "Wait() did not return after the unmount");
        Assert.Equal(0, m.Server.RunningReaders);
        Assert.Equal(1, fs.DestroyCalls);
        Assert.True(MountedFileSystem.WaitNoReaderThreads(), "reader threads left: " + string.Join(", ", MountedFileSystem.ReaderThreads()));
        Assert.False(m.IsMounted);
    }
}
