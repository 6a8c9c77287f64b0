using Strata.Cli.Tests.Support;

namespace Strata.Cli.Tests;

/// <summary>
/// The overlay walkthrough of issue 2, run on Strata and on kernel overlayfs over identical fresh layers:
/// what each step shows, the merged view, and the upper dir byte for byte must be the same.
/// </summary>
public sealed class WalkthroughDifferentialTests
{
    [Theory]
    [InlineData("./layer1:./layer0")]
    [InlineData("./layer0:./layer1")]
    public void StrataMatchesKernelOverlay(string lowers) => Bounded.Run(() =>
    {
        using var kernelDir = new TempDir();
        using var strataDir = new TempDir();
        string options = $"lowerdir={lowers},upperdir=./layer2,workdir=./work";

        Walkthrough.CreateLayers(kernelDir.Path);
        Walkthrough.CreateLayers(strataDir.Path);

        Walkthrough.Result kernel, strata;
        using (KernelOverlay.Mount(options, kernelDir["overlay"], kernelDir.Path))
            kernel = Walkthrough.Run(kernelDir.Path);
        using (StrataMount.Mount(options, strataDir["overlay"], strataDir.Path))
            strata = Walkthrough.Run(strataDir.Path);

        Assert.Equal(kernel.Observations, strata.Observations);
        Assert.Equal(kernel.Merged, strata.Merged);
        Assert.Equal(TreeSnapshot.Take(kernelDir["layer2"]), TreeSnapshot.Take(strataDir["layer2"]));
        Assert.Equal(TreeSnapshot.Take(kernelDir["layer1"]), TreeSnapshot.Take(strataDir["layer1"]));
        Assert.Equal(TreeSnapshot.Take(kernelDir["layer0"]), TreeSnapshot.Take(strataDir["layer0"]));
    });

    [Fact]
    public void WalkthroughGivesTheDocumentedResults() => Bounded.Run(() =>
    {
        using var dir = new TempDir();
        Walkthrough.CreateLayers(dir.Path);
        Walkthrough.Result result;
        using (StrataMount.Mount("lowerdir=./layer1:./layer0,upperdir=./layer2,workdir=./work", dir["overlay"], dir.Path))
            result = Walkthrough.Run(dir.Path);

        Assert.Contains("ls overlay after touch layer1/foo: foo", result.Observations);
        Assert.Equal("hello\n", File.ReadAllText(dir["layer2/foo"]));
        Assert.Equal(0, new FileInfo(dir["layer1/foo"]).Length);
        Assert.True(File.Exists(dir["layer2/bar"]));
        Assert.Contains("cat overlay/qux: Hello from Layer 1\n", result.Observations);
        // rm of a lower file leaves a whiteout: char device 0/0, mode c---------
        Assert.Equal(0, Posix.Posix.Stat(dir["layer2/gone"], out Posix.StatX whiteout, followSymlinks: false));
        Assert.True(whiteout.IsWhiteoutDevice);
        Assert.Equal(Posix.FileType.S_IFCHR, (uint)whiteout.Mode);
        Assert.Contains("layer2/baz mode=40755 trusted.overlay.opaque=y", TreeSnapshot.Take(dir.Path).Select(l => l));
        Assert.Empty(WorkDirContents.Leftovers(dir["work/work"]));
    });
}
