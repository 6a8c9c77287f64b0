using Strata.Posix;
using Strata.Testing;
using static Strata.Union.Tests.UnionHelpers;

namespace Strata.Union.Tests;

/// <summary>
/// The engine run by a user without privileges (a rootless mount's server, or the library in a user's process),
/// over layers the user owns: the work dir must stay the user's to open (the kernel's mode 0 is for a root that
/// opens anything), and copy-up must name its nameless copies without CAP_DAC_READ_SEARCH.
/// </summary>
public sealed class UnprivilegedEngineTests
{
    private static readonly TestUser Alice = new("alice", 1000, 1000, [1000]);

    [Fact]
    public void AUserCopiesUpCreatesAndRemovesInLayersOfHisOwn() => Bounded.Run(() =>
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "lower data");
        TempLayers.Write(Path.Combine(t.Lower0, "d/gone"), "x");
        foreach (string path in Directory.EnumerateFileSystemEntries(t.Root, "*", SearchOption.AllDirectories).Append(t.Root))
            Assert.Equal(0, Strata.Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, B(path), Alice.Uid, Alice.Gid));

        List<string> listed = Alice.Run(0x12, () =>
        {
            using var fs = t.Open();
            fs.WriteAt("d/f", "UPPER");
            Assert.Equal("UPPER data", fs.ReadAll("d/f"));
            var caller = new Caller(Alice.Uid, Alice.Gid, Environment.ProcessId);
            Assert.Equal(0, fs.Unlink(caller, fs.Node("d"), B("gone")));
            Assert.Equal(0, fs.Create(caller, fs.Node("d"), B("new"), OpenFlags.O_WRONLY, 0x1A4, out _, out _, out ulong h));
            Assert.Equal(0, fs.Release(h));
            return fs.List("d");
        });

        Assert.Equal(["f", "new"], listed.Where(n => n is not "." and not "..").Order());
        Assert.Equal("UPPER data", File.ReadAllText(Path.Combine(t.Upper, "d/f")));
        Assert.Equal("lower data", File.ReadAllText(Path.Combine(t.Lower0, "d/f")));
        Assert.Equal(Alice.Uid, TempLayers.LStat(Path.Combine(t.Upper, "d/f")).Uid);
        Assert.Equal(0x1C0u /* 0700 */, (uint)TempLayers.LStat(Path.Combine(t.Work, "work")).Mode & 0xFFFu);
        Assert.Empty(t.WorkLeftovers());
    });

    [Fact]
    public void AUserNamesANamelessFileOpenedByAnotherThroughItsProcLink() => Bounded.Run(() =>
    {
        using var t = new TempLayers();
        Assert.Equal(0, Strata.Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, B(t.Upper), Alice.Uid, Alice.Gid));
        // Opened by root: linkat's AT_EMPTY_PATH then needs CAP_DAC_READ_SEARCH of the user (Linux 6.10+ waives it
        // only for the file's own opener), which the /proc/self/fd link, followed, does not.
        int file = Strata.Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, t.Upper, OpenFlags.O_WRONLY | OpenFlags.O_TMPFILE, 0x1A4);
        Assert.True(file >= 0, $"O_TMPFILE: {file}");
        // The user's own file: protected_hardlinks lets nobody else link it.
        Assert.Equal(0, Strata.Posix.Posix.FChown(file, Alice.Uid, Alice.Gid));
        int dir = Strata.Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, t.Upper, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        try
        {
            (int bare, int linked) = Alice.Run(0x12, () =>
                (Strata.Posix.Posix.LinkAt(file, [], dir, B("bare")), Strata.Posix.Posix.LinkOpenFile(file, dir, B("named"))));
            Assert.Equal(-Errno.ENOENT, bare);
            Assert.Equal(0, linked);
            Assert.True(TempLayers.Exists(Path.Combine(t.Upper, "named")));
        }
        finally
        {
            Strata.Posix.Posix.Close(dir);
            Strata.Posix.Posix.Close(file);
        }
    });
}
