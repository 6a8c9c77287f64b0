namespace Strata.Cli.Tests;

/// <summary>Bad input: one clear line on stderr, a non-zero exit, nothing mounted and nothing written.</summary>
public sealed class MountErrorTests
{
    internal static void AssertRefused(TempDir dir, string options, string expectedInMessage, string mountPoint = "overlay") =>
        AssertRefused(dir, () => StrataCommand.Run(["mount", "-o", options, mountPoint], workingDirectory: dir.Path), expectedInMessage, mountPoint);

    /// <summary>Runs the refused command (as <paramref name="run"/> does it) and checks the one-line error, that nothing got mounted and nothing written.</summary>
    internal static void AssertRefused(TempDir dir, Func<ProcessResult> run, string expectedInMessage, string mountPoint = "overlay")
    {
        var before = TreeSnapshot.Take(dir.Path);
        ProcessResult r = run();
        try
        {
            Assert.NotEqual(0, r.ExitCode);
            string message = r.StandardError.Trim();
            Assert.StartsWith("strata: ", message);
            Assert.DoesNotContain('\n', message);
            Assert.Contains(expectedInMessage, message);
            Assert.False(Mounts.IsMounted(dir[mountPoint]));
            Assert.Equal(before, TreeSnapshot.Take(dir.Path));
        }
        finally
        {
            Mounts.ForceCleanUp(dir[mountPoint]);
        }
    }

    internal static TempDir Layout()
    {
        var dir = new TempDir();
        foreach (string d in new[] { "l0", "l1", "upper", "work", "overlay" }) dir.Make(d);
        return dir;
    }

    [Fact]
    public void MissingLayerDir()
    {
        using TempDir dir = Layout();
        AssertRefused(dir, "lowerdir=./nothere:./l0,upperdir=./upper,workdir=./work", "nothere");
    }

    [Fact]
    public void UpperWithoutWorkDir()
    {
        using TempDir dir = Layout();
        AssertRefused(dir, "lowerdir=./l0,upperdir=./upper", "workdir");
    }

    [Fact]
    public void WorkDirInsideUpper()
    {
        using TempDir dir = Layout();
        dir.Make("upper/w");
        AssertRefused(dir, "lowerdir=./l0,upperdir=./upper,workdir=./upper/w", "separate subtrees");
    }

    [Fact]
    public void WorkDirOnAnotherFilesystem()
    {
        using TempDir dir = Layout();
        // /dev/shm is a tmpfs, the temp dir is not: a work dir there cannot take renames into the upper dir.
        using var shm = new TempDirIn("/dev/shm");
        AssertRefused(dir, $"lowerdir=./l0,upperdir=./upper,workdir={shm.Path}", "same filesystem");
    }

    [Fact]
    public void SameLowerTwice()
    {
        using TempDir dir = Layout();
        AssertRefused(dir, "lowerdir=./l0:./l0,upperdir=./upper,workdir=./work", "conflicting lowerdir");
    }

    [Fact]
    public void LowerInsideUpper()
    {
        using TempDir dir = Layout();
        dir.Make("upper/nested");
        AssertRefused(dir, "lowerdir=./upper/nested,upperdir=./upper,workdir=./work", "overlapping");
    }

    [Fact]
    public void MountPointNotADirectory()
    {
        using TempDir dir = Layout();
        File.WriteAllText(dir["file"], "x");
        AssertRefused(dir, "lowerdir=./l0,upperdir=./upper,workdir=./work", "not a directory", mountPoint: "file");
    }

    [Fact]
    public void UnknownOptionIsRefused()
    {
        using TempDir dir = Layout();
        AssertRefused(dir, "lowerdir=./l0,upperdir=./upper,workdir=./work,bogus", "unknown option 'bogus'");
    }

    [Fact]
    public void UnimplementedSemanticOptionIsRefused()
    {
        using TempDir dir = Layout();
        AssertRefused(dir, "lowerdir=./l0,upperdir=./upper,workdir=./work,index=on", "index=on");
    }

    [Fact]
    public void AlreadyAStrataMount() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount("lowerdir=./l0,upperdir=./upper,workdir=./work", dir["overlay"], dir.Path);
        ProcessResult r = StrataCommand.Run(["mount", "-o", "lowerdir=./l1", "overlay"], workingDirectory: dir.Path);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("already a Strata mount", r.StandardError);
        Assert.True(Mounts.IsMounted(dir["overlay"], "fuse.strata"));
    });

    [Theory]
    [InlineData("mount", "--help")]
    [InlineData("mount", "-h")]
    [InlineData("--help", null)]
    public void HelpIsTheUsageOnStdout(string first, string? second)
    {
        ProcessResult r = second is null ? StrataCommand.Run(first) : StrataCommand.Run(first, second);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("strata: a union filesystem", r.StandardOutput);
        Assert.Contains("\nusage:\n", r.StandardOutput);
        Assert.Equal("", r.StandardError);
    }

    [Fact]
    public void UsageErrors()
    {
        Assert.Equal(2, StrataCommand.Run("mount").ExitCode);
        Assert.Equal(2, StrataCommand.Run("mount", "/tmp").ExitCode);
        Assert.Equal(2, StrataCommand.Run("frobnicate").ExitCode);
        ProcessResult r = StrataCommand.Run("umount", "/definitely/not/mounted");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("not mounted", r.StandardError);
    }
}

/// <summary>A temp dir somewhere other than /tmp.</summary>
public sealed class TempDirIn : IDisposable
{
    public TempDirIn(string parent)
    {
        Path = System.IO.Path.Combine(parent, "strata-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
