using System.Diagnostics;
using System.Text;
using Strata.Posix;
using static Strata.Union.Tests.UnionHelpers;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Tests;

/// <summary>
/// The same operations through the engine and through kernel overlayfs on copies of the same layers;
/// the resulting upper dirs must match (names, types, modes, rdev, sizes, contents, link targets, opaque).
/// </summary>
public sealed class DifferentialTests
{
    private static void BuildLayers(TempLayers t)
    {
        TempLayers.Write(Path.Combine(t.Lower0, "f1"), "one");
        TempLayers.Write(Path.Combine(t.Lower0, "d/a"), "a");
        TempLayers.Write(Path.Combine(t.Lower0, "d/b"), "b");
        TempLayers.Write(Path.Combine(t.Lower0, "dd/x"), "x");
        TempLayers.Write(Path.Combine(t.Lower1, "f2"), "two");
        TempLayers.Write(Path.Combine(t.Lower1, "d/c"), "c");
    }

    private static void ThroughEngine(UnionFileSystem fs)
    {
        const ulong root = UnionFileSystem.RootId;
        fs.WriteAt("f1", "X");
        Assert.Equal(0, fs.Unlink(Root, root, B("f2")));
        Assert.Equal(0, fs.Unlink(Root, fs.Node("d"), B("a")));
        Assert.Equal(0, fs.Create(Root, fs.Node("d"), B("new"), OpenFlags.O_WRONLY, 0x1A0, out _, out _, out ulong h));
        Assert.Equal(1, fs.Write(h, 0, B("n")));
        Assert.Equal(0, fs.Release(h));
        Assert.Equal(0, fs.Unlink(Root, fs.Node("dd"), B("x")));
        Assert.Equal(0, fs.RmDir(Root, root, B("dd")));
        Assert.Equal(0, fs.MkDir(Root, root, B("dd"), 0x1E8, out _, out _));
        Assert.Equal(0, fs.Rename(Root, fs.Node("d"), B("b"), root, B("moved"), 0));
        var chmod = new AttrChange { Flags = AttrChangeFlags.Mode, Mode = 0x180 };
        Assert.Equal(0, fs.SetAttr(Root, fs.Node("f1"), chmod, out _));
        Assert.Equal(0, fs.Symlink(Root, root, B("s2"), B("target"), out _, out _));
        Assert.Equal(0, fs.MkNod(Root, root, B("fifo"), FileType.S_IFIFO | 0x1A4, 0, out _, out _));
    }

    private static void ThroughKernel(string m)
    {
        using (var f = new FileStream(Path.Combine(m, "f1"), FileMode.Open, FileAccess.Write))
            f.Write("X"u8);
        File.Delete(Path.Combine(m, "f2"));
        File.Delete(Path.Combine(m, "d/a"));
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(m, "d/new"), OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_EXCL, 0x1A0);
        Assert.True(fd >= 0);
        Assert.Equal(1, Sys.Write(fd, "n"u8));
        Sys.Close(fd);
        File.Delete(Path.Combine(m, "dd/x"));
        Directory.Delete(Path.Combine(m, "dd"));
        Assert.Equal(0, Sys.MkdirAt(OpenFlags.AT_FDCWD, B(Path.Combine(m, "dd")), 0x1E8));
        File.Move(Path.Combine(m, "d/b"), Path.Combine(m, "moved"));
        Assert.Equal(0, Sys.ChmodAt(OpenFlags.AT_FDCWD, B(Path.Combine(m, "f1")), 0x180));
        Assert.Equal(0, Sys.SymlinkAt(B("target"), OpenFlags.AT_FDCWD, B(Path.Combine(m, "s2"))));
        Assert.Equal(0, Sys.MknodAt(OpenFlags.AT_FDCWD, B(Path.Combine(m, "fifo")), FileType.S_IFIFO | 0x1A4, 0));
    }

    [Fact]
    public void UpperDirMatchesKernelOverlayfs()
    {
        using var ours = new TempLayers();
        using var kernel = new TempLayers();
        BuildLayers(ours);
        BuildLayers(kernel);
        using (UnionFileSystem fs = ours.Open())
            ThroughEngine(fs);

        string merged = Path.Combine(kernel.Root, "m");
        Directory.CreateDirectory(merged);
        Run("mount", "-t", "overlay", "-o", $"lowerdir={kernel.Lower1}:{kernel.Lower0},upperdir={kernel.Upper},workdir={kernel.Work}", "none", merged);
        try
        {
            ThroughKernel(merged);
        }
        finally
        {
            if (Run("umount", merged, allowFailure: true) != 0)
                Run("umount", "-l", merged, allowFailure: true);
        }

        Assert.Equal(Describe(kernel.Upper), Describe(ours.Upper));
    }

    /// <summary>One line per entry of a tree, sorted: path, type and mode, rdev, size, content or target, opaque.</summary>
    private static List<string> Describe(string root)
    {
        var lines = new List<string>();
        Walk(root, "", lines);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(string root, string rel, List<string> lines)
    {
        foreach (string full in Directory.EnumerateFileSystemEntries(Path.Combine(root, rel)))
        {
            string name = Path.Combine(rel, Path.GetFileName(full));
            StatX st = TempLayers.LStat(full);
            var line = new StringBuilder($"{name} mode={st.Mode:x} rdev={st.RdevMajor}:{st.RdevMinor}");
            if (st.IsRegular)
                line.Append($" size={st.Size} data={File.ReadAllText(full)}");
            else if (st.IsSymlink)
                line.Append($" target={new FileInfo(full).LinkTarget}");
            else if (st.IsDirectory)
                line.Append($" opaque={TempLayers.GetXattr(full, "trusted.overlay.opaque")}");
            lines.Add(line.ToString());
            if (st.IsDirectory)
                Walk(root, name, lines);
        }
    }

    private static int Run(string file, params object[] args)
    {
        bool allowFailure = args.Length > 0 && args[^1] is bool b && b;
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (object a in args)
        {
            if (a is string s)
                psi.ArgumentList.Add(s);
        }
        using Process p = Process.Start(psi)!;
        if (!p.WaitForExit(15000))
        {
            p.Kill();
            throw new TimeoutException($"{file} did not finish");
        }
        if (p.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"{file} failed: {p.StandardError.ReadToEnd()}");
        return p.ExitCode;
    }

    private static int Run(string file, string arg1, bool allowFailure) => Run(file, arg1, (object)allowFailure);

    private static int Run(string file, string arg1, string arg2, bool allowFailure) => Run(file, arg1, arg2, (object)allowFailure);
}
