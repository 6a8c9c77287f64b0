using System.Diagnostics;

namespace Strata.Cli.Tests;

/// <summary>The ways a Strata mount is made and ended: strata mount/umount, the mount helper form, umount(8), fusermount3 -u, SIGTERM.</summary>
public sealed class MountLifecycleTests
{
    [Theory]
    [InlineData("strata")]
    [InlineData("umount")]
    [InlineData("fusermount3")]
    public void MountIsLiveOnReturnAndEndsWithEachUnmount(string how) => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        // Live as soon as the command returned: no wait, no retry.
        Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));

        ProcessResult r = how switch
        {
            "strata" => StrataCommand.Run("umount", dir["overlay"]),
            "umount" => ProcessRunner.Run("umount", dir["overlay"]),
            _ => ProcessRunner.Run("fusermount3", "-u", dir["overlay"]),
        };
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.False(Mounts.IsMounted(dir["overlay"]));
        Assert.True(Mounts.WaitForServersToExit(dir["overlay"], TimeSpan.FromSeconds(15)), "the server process did not end after unmount");
    });

    [Fact]
    public void MountHelperFormAndMountTypeFuseStrata() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        // The form mount.fuse3 runs: strata SOURCE MOUNTPOINT -o OPTIONS
        ProcessResult r = StrataCommand.Run(["demo-source", dir["overlay"], "-o", "rw,nosuid,nodev," + MountLayout.Options], workingDirectory: dir.Path);
        try
        {
            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.True(Mounts.IsMounted(dir["overlay"], "fuse.strata"));
            Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));
        }
        finally
        {
            StrataCommand.Run("umount", dir["overlay"]);
            Mounts.ForceCleanUp(dir["overlay"]);
        }

        // Through mount(8). "mount -t fuse.strata" runs mount.fuse3, which runs "strata" from PATH; mount(8)
        // resets PATH to the system dirs, where a test must not install anything. So: mount(8) with the
        // equivalent "-t fuse PROGRAM#SOURCE" form (an absolute program path), and mount.fuse3 with
        // "-t fuse.strata" and our PATH.
        string bin = dir.Make("bin");
        string wrapper = StrataCommand.WriteWrapperScript(bin);
        var env = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        string[][] commands =
        [
            ["mount", "-t", "fuse", wrapper + "#layers", dir["overlay"], "-o", MountLayout.Options],
            ["mount.fuse3", "layers", dir["overlay"], "-t", "fuse.strata", "-o", MountLayout.Options],
        ];
        foreach (string[] command in commands)
        {
            r = ProcessRunner.Run(command[0], command[1..], environment: env, workingDirectory: dir.Path);
            try
            {
                Assert.True(r.ExitCode == 0, string.Join(' ', command) + ": " + r.StandardError + r.StandardOutput);
                Assert.True(Mounts.IsMounted(dir["overlay"], "fuse.strata"));
                File.WriteAllText(dir["overlay/new"], "through " + command[0]);
                Assert.Equal("through " + command[0], File.ReadAllText(dir["upper/new"]));
            }
            finally
            {
                ProcessRunner.Run("umount", dir["overlay"]);
                Mounts.ForceCleanUp(dir["overlay"]);
                Mounts.WaitForServersToExit(dir["overlay"], TimeSpan.FromSeconds(15));
            }
        }
    });

    [Fact]
    public void SigtermUnmountsAForegroundServerCleanly() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        var start = new ProcessStartInfo(StrataCommand.DotnetPath) { WorkingDirectory = dir.Path, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { StrataCommand.DllPath, "mount", "-f", "-o", MountLayout.Options, dir["overlay"] }) start.ArgumentList.Add(a);
        using Process server = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!Mounts.IsMounted(dir["overlay"], "fuse.strata") && DateTime.UtcNow < deadline && !server.HasExited) Thread.Sleep(20);
            Assert.True(Mounts.IsMounted(dir["overlay"], "fuse.strata"), "foreground mount did not come up: " + (server.HasExited ? server.StandardError.ReadToEnd() : ""));
            Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));

            Assert.Equal(0, Posix.Libc.kill(server.Id, 15));
            Assert.True(server.WaitForExit(15_000), "server did not exit on SIGTERM");
            Assert.Equal(0, server.ExitCode);
            Assert.False(Mounts.IsMounted(dir["overlay"]));
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            Mounts.ForceCleanUp(dir["overlay"]);
        }
    });

    [Fact]
    public void ReadOnlyMountWithLowersOnly() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        dir.Make("l1");
        File.WriteAllText(dir["l1/hello"], "hello from l1\n");
        using var mount = StrataMount.Mount("lowerdir=./l1:./l0", dir["overlay"], dir.Path);
        Assert.Equal("hello from l1\n", File.ReadAllText(dir["overlay/hello"]));
        var e = Assert.ThrowsAny<IOException>(() => File.WriteAllText(dir["overlay/new"], "x"));
        Assert.Contains("Read-only", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.ThrowsAny<IOException>(() => File.Delete(dir["overlay/hello"]));
        Assert.True(File.Exists(dir["l1/hello"]));
    });

    [Fact]
    public void DirectChangesInLayersShowThrough() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        Assert.False(File.Exists(dir["overlay/later"]));
        File.WriteAllText(dir["l0/later"], "added in the layer\n");
        Assert.Equal("added in the layer\n", File.ReadAllText(dir["overlay/later"]));
        File.WriteAllText(dir["l0/hello"], "changed in the layer\n");
        Assert.Equal("changed in the layer\n", File.ReadAllText(dir["overlay/hello"]));
        // A name the kernel has cached goes once the layer watcher has seen it deleted: a moment later, not at
        // once (kernel overlayfs itself keeps showing a deleted lower file, with nlink 0, until its dentry is evicted).
        File.Delete(dir["l0/later"]);
        Assert.True(Bounded.Eventually(() => !File.Exists(dir["overlay/later"])), "a file deleted in the layer still shows after 5 s");
    });

    [Fact]
    public void StatsShowTheServersCounters() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        for (int i = 0; i < 50; i++) File.ReadAllText(dir["overlay/hello"]);
        ProcessResult r = StrataCommand.Run("stats", dir["overlay"]);
        Assert.True(StatsOutput.Counter(r, "requests handled") >= 150, r.StandardOutput);
        Assert.Contains("allocated on request path:", r.StandardOutput);

        Assert.NotEqual(0, StrataCommand.Run("stats", dir.Path).ExitCode);
    });

    [Theory]
    [InlineData("", "io_uring (")]
    [InlineData(",io_uring=off", "/dev/fuse reads")]
    public void StatsShowHowRequestsComeIn(string option, string transport) => Bounded.Run(() =>
    {
        using var parameter = new UringParameter(enabled: true);
        using TempDir dir = MountLayout.Create("hello from l0\n");
        using var mount = StrataMount.Mount(MountLayout.Options + option, dir["overlay"], dir.Path);
        Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));
        ProcessResult r = StrataCommand.Run("stats", dir["overlay"]);
        Assert.True(r.ExitCode == 0, r.StandardError);
        Assert.Contains("requests come through:       " + transport, r.StandardOutput);
    });
}
