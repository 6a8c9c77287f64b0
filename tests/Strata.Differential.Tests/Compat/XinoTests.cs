using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Compat;

/// <summary>
/// Layers on different filesystems: the top lower on a filesystem of its own, the bottom lower and the upper on
/// TMPDIR's. Kernel overlayfs and Strata mount the same lowers (each with its own upper) and do the same
/// copy-ups; every object whose number comes from a lower must then report the very same st_ino on both (the
/// fsid in the high bits: xino), every other the upper's own number, all distinct, and readdir must agree.
/// </summary>
public sealed class XinoTests
{
    private static readonly string[] Paths = ["", "f", "h1", "h2", "d", "d/x", "m", "m/y", "m/z", "g", "new"];

    // Objects whose number is the upper's own after the script: the root, a new file, a copy of a hard link.
    private static readonly string[] UpperNumbered = ["", "new", "h1"];

    [Theory]
    [InlineData("tmpfs", "on")]
    [InlineData("tmpfs", "auto")]
    [InlineData("ext4", "on")]
    public void SameNumbersAsTheKernel(string filesystem, string xino) => Bounded.Run(() =>
    {
        using var dir = new TempDir("strata-xino-");
        using ScratchFilesystem other = ScratchFilesystem.Mount(filesystem, dir.Path);
        string top = Path.Combine(other.Path, "l0"), bottom = dir.Make("l1");
        MakeLowers(top, bottom);
        Dictionary<string, ulong> kernel, strata;
        string kernelOptions = Options(dir, "k", top, bottom, xino), strataOptions = Options(dir, "s", top, bottom, xino);
        using (KernelOverlay.Mount(kernelOptions, dir.Make("km")))
            kernel = RunScript(dir["km"]);
        using (StrataInProcess.Mount(strataOptions, dir.Make("sm")))
            strata = RunScript(dir["sm"]);
        foreach (string path in Paths)
        {
            if (UpperNumbered.Contains(path))
            {
                Assert.Equal(Stat(Path.Combine(dir["ku"], path)), kernel[path]);
                Assert.Equal(Stat(Path.Combine(dir["su"], path)), strata[path]);
            }
            else
            {
                Assert.True(kernel[path] == strata[path], $"{path}: kernel {kernel[path]:x}, strata {strata[path]:x}");
            }
        }
        // Objects of the other filesystem carry its fsid in the high bits, so no two objects share a number.
        Assert.NotEqual(Stat(Path.Combine(top, "f")), strata["f"]);
        Assert.Equal(strata.Count, strata.Values.Distinct().Count());
    });

    [Theory]
    [InlineData("tmpfs")]
    [InlineData("ext4")]
    public void ReadOnlyMountOfTwoFilesystemsNumbersAsTheKernel(string filesystem) => Bounded.Run(() =>
    {
        using var dir = new TempDir("strata-xino-");
        using ScratchFilesystem other = ScratchFilesystem.Mount(filesystem, dir.Path);
        string top = Path.Combine(other.Path, "l0"), bottom = dir.Make("l1");
        MakeLowers(top, bottom);
        string options = $"lowerdir={top}:{bottom},xino=on";
        string[] paths = ["", "f", "h1", "h2", "d", "d/x", "m", "m/y", "m/z", "g"];
        Dictionary<string, ulong> kernel, strata;
        using (KernelOverlay.Mount(options, dir.Make("km")))
            kernel = paths.ToDictionary(p => p, p => Stat(Path.Combine(dir["km"], p)));
        using (StrataInProcess.Mount(options, dir.Make("sm")))
            strata = paths.ToDictionary(p => p, p => Stat(Path.Combine(dir["sm"], p)));
        foreach (string path in paths)
            Assert.True(kernel[path] == strata[path], $"{path}: kernel {kernel[path]:x}, strata {strata[path]:x}");
        Assert.NotEqual(Stat(Path.Combine(bottom, "g")), strata["g"]);
    });

    private static string Options(TempDir dir, string side, string top, string bottom, string xino) =>
        $"lowerdir={top}:{bottom},upperdir={dir.Make(side + "u")},workdir={dir.Make(side + "w")},xino={xino},redirect_dir=off,index=off,metacopy=off";

    private static void MakeLowers(string top, string bottom)
    {
        Directory.CreateDirectory(Path.Combine(top, "d"));
        Directory.CreateDirectory(Path.Combine(top, "m"));
        Directory.CreateDirectory(Path.Combine(bottom, "m"));
        File.WriteAllText(Path.Combine(top, "f"), "f");
        File.WriteAllText(Path.Combine(top, "h1"), "h");
        Assert.Equal(0, Posix.Posix.LinkAt(OpenFlags.AT_FDCWD, Executor.Bytes(Path.Combine(top, "h1")), OpenFlags.AT_FDCWD, Executor.Bytes(Path.Combine(top, "h2"))));
        File.WriteAllText(Path.Combine(top, "d/x"), "x");
        File.WriteAllText(Path.Combine(top, "m/y"), "y");
        File.WriteAllText(Path.Combine(bottom, "m/z"), "z");
        File.WriteAllText(Path.Combine(bottom, "g"), "g");
    }

    // Copies up a file, a dir and one name of a hard link, makes a new file; then every path's st_ino, and
    // checks that readdir lists the same numbers.
    private static Dictionary<string, ulong> RunScript(string merged)
    {
        File.AppendAllText(Path.Combine(merged, "f"), "+");
        File.SetUnixFileMode(Path.Combine(merged, "d"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.AppendAllText(Path.Combine(merged, "h1"), "+");
        File.WriteAllText(Path.Combine(merged, "new"), "n");
        var numbers = Paths.ToDictionary(p => p, p => Stat(Path.Combine(merged, p)));
        foreach (string listed in new[] { "", "m", "d" })
        {
            foreach (var (name, inode) in Listing(Path.Combine(merged, listed)))
            {
                string path = listed.Length == 0 ? name : listed + "/" + name;
                if (numbers.TryGetValue(path, out ulong st))
                    Assert.True(st == inode, $"{path}: d_ino {inode:x}, st_ino {st:x}");
            }
        }
        return numbers;
    }

    private static ulong Stat(string path)
    {
        Assert.Equal(0, Posix.Posix.Stat(path, out StatX st, followSymlinks: false));
        return st.Inode;
    }

    private static List<(string Name, ulong Inode)> Listing(string dir)
    {
        var entries = new List<(string, ulong)>();
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.True(fd >= 0);
        try
        {
            var e = new DirectoryEnumerator(fd, new byte[16384]);
            while (e.MoveNext()) entries.Add((System.Text.Encoding.UTF8.GetString(e.Name), e.Inode));
            return entries;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }
}
