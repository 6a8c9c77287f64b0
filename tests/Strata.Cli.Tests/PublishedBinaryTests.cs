namespace Strata.Cli.Tests;

/// <summary>
/// strata mount from the published (Native AOT) binary, as users run it (the other tests run the JIT build): live
/// on return, its server detached from the caller's descriptors, collecting garbage and serving on, its errors
/// reported by the command, ended by unmount or SIGTERM.
/// </summary>
public sealed class PublishedBinaryTests
{
    [Fact]
    public void MountsWithAServerThatKeepsNoneOfTheCallersDescriptors() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        string marker = dir["inherited"];
        try
        {
            // fd 7, open without O_CLOEXEC, is what a shell or a test runner leaves to its children; stdout is a pipe
            // to cat, which ends only once nothing holds that pipe: the command must return and the server let go.
            ProcessResult r = ProcessRunner.Run("sh",
                ["-c", "exec 7>\"$1\"; \"$0\" mount -o \"$2\" \"$3\" | cat", PublishedStrata.Path, marker, MountLayout.Options, dir["overlay"]],
                TimeSpan.FromSeconds(30), workingDirectory: dir.Path);
            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.True(Mounts.IsMounted(dir["overlay"], "fuse.strata"));
            Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));

            List<int> servers = Mounts.ServerPids(dir["overlay"]);
            int server = Assert.Single(servers);
            // Forked by the command before its runtime started (Native/early_fork.c), not started again as a second
            // executable with the hidden flag: its command line is the one the command was given.
            string[] serverArgv = File.ReadAllText($"/proc/{server}/cmdline").Split('\0');
            Assert.Equal("mount", serverArgv[1]);
            var descriptors = Directory.GetFileSystemEntries($"/proc/{server}/fd").Select(fd => new FileInfo(fd).LinkTarget).ToList();
            Assert.DoesNotContain(marker, descriptors);
            Assert.Equal("/dev/null", new FileInfo($"/proc/{server}/fd/0").LinkTarget);
            Assert.Equal("/dev/null", new FileInfo($"/proc/{server}/fd/1").LinkTarget);

            // The stats name the server process, not the command that started it.
            ProcessResult stats = PublishedStrata.Run(["stats", dir["overlay"]]);
            Assert.True(stats.ExitCode == 0, stats.StandardError);
            Assert.Matches($@"server pid:\s+{server}\b", stats.StandardOutput);

            File.WriteAllText(dir["overlay/new"], "written through the published binary");
            Assert.Equal("written through the published binary", File.ReadAllText(dir["upper/new"]));

            Assert.Equal(0, ProcessRunner.Run("kill", "-TERM", server.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
            Assert.True(Bounded.Eventually(() => !Mounts.IsMounted(dir["overlay"]), TimeSpan.FromSeconds(15)), "SIGTERM did not unmount");
            Assert.True(Mounts.WaitForServersToExit(dir["overlay"], TimeSpan.FromSeconds(15)), "the server did not end after SIGTERM");
        }
        finally
        {
            Mounts.ForceCleanUp(dir["overlay"]);
        }
    });

    [Fact]
    public void TheServerCollectsGarbageAndGoesOnServing() => Bounded.Run(() =>
    {
        // A server forked from the command (tried, and dropped) died at its first collection: the runtime still
        // listed the finalizer thread, whose memory the child's next thread reused. Whatever starts the server,
        // it must get through collections. New names make new nodes, which allocate: rounds until it has collected.
        using TempDir dir = MountLayout.Create("hello from l0\n");
        try
        {
            ProcessResult r = PublishedStrata.Run(["mount", "-o", MountLayout.Options, dir["overlay"]], TimeSpan.FromSeconds(30), dir.Path);
            Assert.True(r.ExitCode == 0, r.StandardError);
            long before = StatsOutput.Counter(PublishedStrata.Run(["stats", dir["overlay"]]), "garbage collections");
            long after = before;
            for (int round = 0; round < 40 && after == before; round++)
            {
                string d = Directory.CreateDirectory(dir[$"overlay/round{round}"]).FullName;
                for (int i = 0; i < 2000; i++)
                    File.WriteAllBytes(Path.Combine(d, $"file-with-a-longer-name-{i}"), []);
                after = StatsOutput.Counter(PublishedStrata.Run(["stats", dir["overlay"]]), "garbage collections");
            }
            Assert.True(after > before, $"no collection in the server after 80,000 new files ({before} before)");
            Assert.Equal("hello from l0\n", File.ReadAllText(dir["overlay/hello"]));
            Assert.Equal(0, PublishedStrata.Run(["umount", dir["overlay"]]).ExitCode);
            Assert.True(Mounts.WaitForServersToExit(dir["overlay"], TimeSpan.FromSeconds(15)), "the server did not end after unmount");
        }
        finally
        {
            Mounts.ForceCleanUp(dir["overlay"]);
        }
    });

    [Theory]
    [InlineData("lowerdir=./l0,upperdir=./upper,workdir=./work,bogus=1", 2, "unknown option 'bogus=1'")]
    [InlineData("lowerdir=./missing,upperdir=./upper,workdir=./work", 1, "lowerdir")]
    [InlineData("lowerdir=./upper,upperdir=./upper,workdir=./work", 1, "same directory")]
    public void TheCommandReportsTheServersError(string options, int exitCode, string message) => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create("hello from l0\n");
        try
        {
            ProcessResult r = PublishedStrata.Run(["mount", "-o", options, dir["overlay"]], TimeSpan.FromSeconds(30), dir.Path);
            Assert.Equal(exitCode, r.ExitCode);
            Assert.Contains(message, r.StandardError, StringComparison.Ordinal);
            Assert.False(Mounts.IsMounted(dir["overlay"]));
            Assert.True(Mounts.WaitForServersToExit(dir["overlay"], TimeSpan.FromSeconds(10)), "a server outlived its failed mount");
            Assert.Empty(Directory.GetFileSystemEntries(dir["upper"]));
        }
        finally
        {
            Mounts.ForceCleanUp(dir["overlay"]);
        }
    });
}
