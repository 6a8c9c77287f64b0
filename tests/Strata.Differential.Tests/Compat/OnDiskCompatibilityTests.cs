using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Running;
using Strata.Differential.Tests.Script;
using Strata.Posix;

namespace Strata.Differential.Tests.Compat;

/// <summary>
/// On-disk compatibility both ways: layers written through one implementation (copy-ups with their origins,
/// impure dirs, whiteouts, opaque dirs, redirects of renamed dirs, a broken hard link), then mounted by the
/// other, show the same tree and the same inode numbers (as the layer objects they belong to). And lowers with
/// xattr whiteouts in an opaque=x dir (as composefs makes them) read the same in both.
/// </summary>
public sealed class OnDiskCompatibilityTests
{
    private static readonly LayerStackSpec Layers = new(
    [
        [
            new LayerEntry.File("f", 0x1A4, "f", 0), new LayerEntry.Dir("d", 0x1ED, false), new LayerEntry.File("d/x", 0x1A4, "x", 0),
            new LayerEntry.Dir("a", 0x1ED, false), new LayerEntry.File("a/f1", 0x1A4, "1", 0),
            new LayerEntry.Dir("p", 0x1ED, false), new LayerEntry.Dir("p/q", 0x1ED, false), new LayerEntry.File("p/q/h", 0x1A4, "h", 0),
            new LayerEntry.Dir("x", 0x1ED, false), new LayerEntry.Dir("e", 0x1ED, false), new LayerEntry.File("h", 0x1A4, "h", 0),
            new LayerEntry.File("hl1", 0x1A4, "l", 0), new LayerEntry.HardLink("hl2", "hl1"),
            new LayerEntry.Dir("m", 0x1ED, false), new LayerEntry.File("m/y", 0x1A4, "y", 0), new LayerEntry.File("g", 0x1A4, "g", 0),
        ],
        [
            new LayerEntry.Dir("a", 0x1ED, false), new LayerEntry.File("a/f2", 0x1A4, "2", 0),
            new LayerEntry.Dir("m", 0x1ED, false), new LayerEntry.File("m/z", 0x1A4, "z", 0),
            new LayerEntry.Dir("k", 0x1ED, true), new LayerEntry.File("k/w", 0x1A4, "w", 0), new LayerEntry.Whiteout("gone"),
        ],
    ]);

    // Renames of lower dirs need redirect_dir=on; the rest is the same either way.
    private static List<Operation> Script(bool redirectDir)
    {
        var steps = new List<Operation>
        {
            new WriteOperation("f", 0, "F", Append: false),
            new ChmodOperation("d", 0x1C0),
            new RmdirOperation("e"),
            new MkdirOperation("e", 0x1ED),
            new UnlinkOperation("g"),
            new LinkOperation("h", "d/h2"),
            new RenameOperation("f", "x/f", 0),
            new MkdirOperation("n", 0x1ED),
            new RenameOperation("n", "m/n", 0),
            new WriteOperation("hl1", 0, "L", Append: true),
        };
        if (redirectDir)
        {
            steps.Add(new RenameOperation("a", "b", 0));
            steps.Add(new RenameOperation("p/q", "x/q", 0));
        }
        return steps;
    }

    [Theory]
    [InlineData("kernel", false)]
    [InlineData("kernel", true)]
    [InlineData("strata", false)]
    [InlineData("strata", true)]
    public void LayersWrittenByOneShowTheSameThroughTheOther(string writer, bool redirectDir) => Bounded.Run(() =>
    {
        using var root = new TempDir("strata-compat-");
        StackDirs dirs = StackDirs.Create(root.Path, Layers, new RunMode(redirectDir, CrossMounts: false));
        MergedView written;
        using (Mount(writer, dirs))
        {
            RunScript(dirs.Merged, Script(redirectDir));
            written = MergedView.Of(dirs, new InodeLabels(dirs));
        }
        AssertRecords(MergedView.Upper(dirs, new InodeLabels(dirs)), redirectDir);
        using (Mount(writer == "kernel" ? "strata" : "kernel", dirs))
            AssertSame(writer, written, MergedView.Of(dirs, new InodeLabels(dirs)));
    });

    private static IDisposable Mount(string implementation, StackDirs dirs) => implementation == "kernel"
        ? KernelOverlay.Mount(dirs.Options, dirs.Merged)
        : StrataInProcess.Mount(dirs.Options, dirs.Merged);

    [Fact]
    public void XattrWhiteoutsInAnOpaqueXDirReadTheSame() => Bounded.Run(() =>
    {
        using var root = new TempDir("strata-compat-");
        string top = root.Make("l0/w"), bottom = root.Make("l1/w");
        File.WriteAllText(Path.Combine(top, "kept"), "k");
        File.WriteAllText(Path.Combine(top, "gone"), "");
        File.WriteAllText(Path.Combine(bottom, "gone"), "g");
        File.WriteAllText(Path.Combine(bottom, "other"), "o");
        SetXattr(Path.Combine(top, "gone"), "trusted.overlay.whiteout", "");
        SetXattr(top, "trusted.overlay.opaque", "x");
        string options = $"lowerdir={root["l0"]}:{root["l1"]}";
        List<string> kernel, strata;
        using (KernelOverlay.Mount(options, root.Make("km")))
            kernel = MergedView.TreeOf(root["km"]);
        using (StrataInProcess.Mount(options, root.Make("sm")))
            strata = MergedView.TreeOf(root["sm"]);
        Assert.Equal(kernel, strata);
        Assert.DoesNotContain(kernel, line => line.StartsWith("w/gone", StringComparison.Ordinal));
        Assert.Contains(kernel, line => line.StartsWith("w/other", StringComparison.Ordinal));
    });

    private static void RunScript(string merged, List<Operation> steps)
    {
        using var x = new Executor(merged);
        foreach (Operation step in steps)
        {
            string outcome = step.Run(x);
            Assert.True(outcome.StartsWith("ok", StringComparison.Ordinal), $"{step.Shell}: {outcome}");
        }
    }

    // The writer did leave the records this test is about, so that the reader is really tested on them.
    private static void AssertRecords(List<string> upper, bool redirectDir)
    {
        HasLine(upper, "x/f ", "trusted.overlay.origin=l0:f");
        HasLine(upper, "d ", "trusted.overlay.impure=y");
        HasLine(upper, "d ", "trusted.overlay.origin=l0:d");
        HasLine(upper, "e ", "trusted.overlay.opaque=y");
        HasLine(upper, "m/n ", "trusted.overlay.opaque=y");
        HasLine(upper, "g ", "mode=20000 rdev=0,0");
        Assert.DoesNotContain(upper, l => l.StartsWith("hl1 ", StringComparison.Ordinal) && l.Contains("origin", StringComparison.Ordinal));
        if (!redirectDir) return;
        HasLine(upper, "b ", "trusted.overlay.redirect=a");
        HasLine(upper, "x/q ", "trusted.overlay.redirect=/p/q");
    }

    private static void HasLine(List<string> lines, string path, string part) =>
        Assert.True(lines.Exists(l => l.StartsWith(path, StringComparison.Ordinal) && l.Contains(part, StringComparison.Ordinal)),
            $"no '{path.Trim()}' line with '{part}' in:\n{string.Join('\n', lines)}");

    private static void AssertSame(string writer, MergedView written, MergedView read)
    {
        MergedView kernel = writer == "kernel" ? written : read;
        Assert.Equal(written.Tree, read.Tree);
        Assert.Equal(written.Inodes(kernel), read.Inodes(kernel));
        Assert.Empty((writer == "kernel" ? read : written).Disagreements);
        // Copied-up objects kept their lower numbers: the check above compares something.
        Assert.Contains("x/f st_ino=l0:f", read.Objects);
        Assert.Contains("d st_ino=l0:d", read.Objects);
        Assert.Contains("hl1 st_ino=upper:hl1", read.Objects);
    }

    private static void SetXattr(string path, string name, string value)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        Assert.Equal(0, Posix.Posix.SetXattr(fd, Executor.Bytes(name), Executor.Bytes(value)));
        Posix.Posix.Close(fd);
    }
}
