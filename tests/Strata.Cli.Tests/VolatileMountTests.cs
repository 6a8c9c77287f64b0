using System.Diagnostics;
using System.Text.RegularExpressions;
using Strata.Posix;

namespace Strata.Cli.Tests;

/// <summary>
/// -o volatile as the kernel's overlayfs has it: no sync of the upper dir at all (copy-ups, fsync and fdatasync
/// through the mount), the work dir marked with work/incompat/volatile/dirty, and every later mount of that work
/// dir refused until the marker is removed, by Strata and by the kernel, whichever of them made it.
/// </summary>
public sealed class VolatileMountTests
{
    private const string Options = "lowerdir=./l0,upperdir=./upper,workdir=./work";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public void VolatileMountNeverSyncsTheUpper() => Bounded.Run(() =>
    {
        // The same steps without volatile show the trace sees the server's syncs at all.
        Assert.NotEmpty(SyncCallsOfServer(volatileMount: false));
        Assert.Empty(SyncCallsOfServer(volatileMount: true));
    }, Limit * 2);

    [Fact]
    public void StrataMarkerRefusesTheNextMountOfBoth() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using (StrataMount.Mount(Options + ",volatile", dir["overlay"], dir.Path))
            File.AppendAllText(dir["overlay/f"], "more\n");
        Assert.Equal("lower\nmore\n", File.ReadAllText(dir["upper/f"]));
        Assert.Equal(KernelMarker(), Marker(dir));

        AssertKernelRefuses(dir);
        MountErrorTests.AssertRefused(dir, Options, "work/incompat/volatile");
        MountErrorTests.AssertRefused(dir, Options + ",volatile", "work/incompat/volatile");

        Directory.Delete(dir["work/work/incompat/volatile"], recursive: true);
        using (StrataMount.Mount(Options, dir["overlay"], dir.Path))
            Assert.Equal("lower\nmore\n", File.ReadAllText(dir["overlay/f"]));
        Assert.False(Directory.Exists(dir["work/work/incompat"]));
    });

    [Fact]
    public void KernelMarkerRefusesStrata() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using (KernelOverlay.Mount(Options + ",volatile", dir["overlay"], dir.Path))
            File.AppendAllText(dir["overlay/f"], "more\n");
        MountErrorTests.AssertRefused(dir, Options, "work/incompat/volatile");

        Directory.Delete(dir["work/work/incompat/volatile"], recursive: true);
        using (StrataMount.Mount(Options, dir["overlay"], dir.Path))
            Assert.Equal("lower\nmore\n", File.ReadAllText(dir["overlay/f"]));
    });

    [Fact]
    public void AnyIncompatFeatureIsRefused()
    {
        using TempDir dir = Layout();
        Directory.CreateDirectory(dir["work/work/incompat"]);
        File.WriteAllText(dir["work/work/incompat/future"], "");
        MountErrorTests.AssertRefused(dir, Options, "incompat feature 'future'");
    }

    [Fact]
    public void VolatileWithoutUpperIsIgnoredAsByTheKernel() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using (StrataMount.Mount("lowerdir=./l0,volatile", dir["overlay"], dir.Path))
            Assert.Equal("lower\n", File.ReadAllText(dir["overlay/f"]));
    });

    private static TempDir Layout()
    {
        var dir = new TempDir();
        foreach (string d in new[] { "l0", "upper", "work", "overlay" }) dir.Make(d);
        File.WriteAllText(dir["l0/f"], "lower\n");
        File.WriteAllText(dir["l0/g"], "other\n");
        return dir;
    }

    /// <summary>What a kernel volatile mount leaves in its work dir.</summary>
    private static List<string> KernelMarker()
    {
        using TempDir dir = Layout();
        using (KernelOverlay.Mount(Options + ",volatile", dir["overlay"], dir.Path))
            File.ReadAllText(dir["overlay/f"]);
        return Marker(dir);
    }

    private static List<string> Marker(TempDir dir) => TreeSnapshot.Take(dir["work"]);

    private static void AssertKernelRefuses(TempDir dir)
    {
        var before = TreeSnapshot.Take(dir.Path);
        ProcessResult r = ProcessRunner.Run("mount", ["-t", "overlay", "overlay", "-o", Options, dir["overlay"]], workingDirectory: dir.Path);
        Mounts.ForceCleanUp(dir["overlay"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(before, TreeSnapshot.Take(dir.Path));
    }

    /// <summary>
    /// The sync calls (fsync, fdatasync, syncfs, sync, sync_file_range) the server makes while a lower file is copied
    /// up by a write, the copy and a new file are fsynced and fdatasynced, and a dir is fsynced through the mount:
    /// the server runs in the foreground under strace.
    /// </summary>
    private static List<string> SyncCallsOfServer(bool volatileMount)
    {
        using TempDir dir = Layout();
        string trace = dir["trace"];
        var start = new ProcessStartInfo("strace") { UseShellExecute = false, WorkingDirectory = dir.Path };
        foreach (string a in new[] { "-f", "-qq", "-e", "trace=fsync,fdatasync,syncfs,sync,sync_file_range", "-o", trace,
                     StrataCommand.DotnetPath, StrataCommand.DllPath, "mount", "-f", "-o", Options + (volatileMount ? ",volatile" : ""), "overlay" })
            start.ArgumentList.Add(a);
        using Process server = Process.Start(start) ?? throw new InvalidOperationException("cannot start strace");
        try
        {
            Assert.True(Bounded.Eventually(() => Mounts.IsMounted(dir["overlay"], "fuse.strata"), TimeSpan.FromSeconds(30)), "the traced mount did not come up");
            Sync(dir["overlay/f"], append: "copied up\n");
            Sync(dir["overlay/new"], append: "new\n");
            Sync(dir["overlay"], append: null);
            ProcessRunner.Check("umount", dir["overlay"]);
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "the traced server did not end after umount");
        }
        finally
        {
            Mounts.ForceCleanUp(dir["overlay"]);
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
        Assert.Equal("lower\ncopied up\n", File.ReadAllText(dir["upper/f"]));
        // Only the calls asked for: an strace older than the kernel also prints syscalls it has no name for
        // (getxattrat as "syscall_0x1d0"), filter or not.
        return File.ReadLines(trace).Where(l => SyncCall.IsMatch(l)).ToList();
    }

    private static readonly Regex SyncCall = new(@"^\d+ +(fsync|fdatasync|syncfs|sync|sync_file_range)\(", RegexOptions.CultureInvariant);

    private static void Sync(string path, string? append)
    {
        if (append is not null) File.AppendAllText(path, append);
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, append is null ? OpenFlags.O_RDONLY : OpenFlags.O_RDWR);
        Assert.True(fd >= 0, $"open {path}: {Errno.Describe(fd)}");
        try
        {
            Assert.Equal(0, Posix.Posix.FSync(fd));
            Assert.Equal(0, Posix.Posix.FSync(fd, dataOnly: true));
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }
}
