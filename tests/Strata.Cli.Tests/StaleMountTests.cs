using System.Diagnostics;
using Strata.Posix;

namespace Strata.Cli.Tests;

/// <summary>After kill -9 of the server the mount answers ENOTCONN; strata cleans it up instead of making the user do it.</summary>
public sealed class StaleMountTests
{
    /// <summary>Mounts in the foreground in a child process and kills it with SIGKILL: a stale mount.</summary>
    private static void MakeStaleMount(TempDir dir)
    {
        var start = new ProcessStartInfo(StrataCommand.DotnetPath) { WorkingDirectory = dir.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { StrataCommand.DllPath, "mount", "-f", "-o", MountLayout.Options, dir["overlay"] }) start.ArgumentList.Add(a);
        using Process server = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(dir["overlay/hello"]) && DateTime.UtcNow < deadline && !server.HasExited) Thread.Sleep(20);
            Assert.True(File.Exists(dir["overlay/hello"]), "foreground mount did not come up");
        }
        finally
        {
            server.Kill();
            server.WaitForExit(10_000);
        }
        // statfs always reaches the (dead) server; stat may be answered from attributes the kernel cached. Right
        // after the kill a request may still be caught by the kernel's teardown of the server's io_uring queues,
        // and ends ECONNABORTED or ECANCELED; later ones find the connection gone.
        int r = Posix.Posix.StatFs(dir["overlay"], out _);
        Assert.True(r is -Errno.ENOTCONN or -Errno.ECONNABORTED or -Errno.ECANCELED, $"statfs of the dead mount: {Errno.Describe(r)}");
        Assert.True(Bounded.Eventually(() => Posix.Posix.StatFs(dir["overlay"], out _) == -Errno.ENOTCONN), "the dead mount does not answer ENOTCONN");
    }

    [Fact]
    public void MountOverAStaleStrataMountCleansItUp() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello\n");
        MakeStaleMount(dir);
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        Assert.Equal("hello\n", File.ReadAllText(dir["overlay/hello"]));
    });

    [Fact]
    public void UmountCleansUpAStaleMount() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello\n");
        MakeStaleMount(dir);
        ProcessResult r = StrataCommand.Run("umount", dir["overlay"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.False(Mounts.IsMounted(dir["overlay"]));
        Assert.Equal(0, Posix.Posix.Stat(dir["overlay"], out _));
    });
}
