using Strata.Posix;
using Strata.Union.Api;

namespace Strata.Union.Tests.Facade;

/// <summary>
/// The README's "Using the engine as a .NET library" sample is the code between the markers below, verbatim: it
/// compiles and runs here, and the README must hold the same lines, so neither can drift from the other.
/// </summary>
public sealed class ReadmeSampleTests
{
    private const string Begin = "// README sample begin";
    private const string End = "// README sample end";

    [Fact]
    public void TheSampleRunsAsTheReadmeSays()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "etc/app.conf"), "base\n");
        TempLayers.Write(Path.Combine(t.Lower1, "etc/app.conf"), "top\n");
        TempLayers.Write(Path.Combine(t.Lower0, "etc/old.conf"), "old\n");
        using var output = new StringWriter();

        Sample(t.Lower1, t.Lower0, t.Upper, t.Work, output);

        Assert.Equal("top\n", File.ReadAllText(Path.Combine(t.Lower1, "etc/app.conf")));
        Assert.Equal("top\ndebug=1\n", File.ReadAllText(Path.Combine(t.Upper, "etc/app.conf")));
        Assert.True(FileType.IsCharDevice(TempLayers.LStat(Path.Combine(t.Upper, "etc/old.conf")).Mode));
        Assert.Equal("app.conf File\netc stays: it is a lower dir\n", output.ToString().Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public void TheReadmeShowsTheSampleAsItIsHere()
    {
        string[] sample = SampleLines();
        Assert.NotEmpty(sample);
        string readme = File.ReadAllText(Path.Combine(CopiedFiles, "README.md"));
        Assert.Contains(string.Join("\n", sample) + "\n", readme, StringComparison.Ordinal);
    }

    private static void Sample(string lowerTop, string lowerBase, string upper, string work, TextWriter output)
    {
        // README sample begin
        // Layers top first, as lowerdir=TOP:BASE; without upper and work dirs the union is read-only (EROFS).
        using LayeredDirectory union = LayeredDirectory.Open([lowerTop, lowerBase], upper, work);
        string config = union.ReadAllText("etc/app.conf");       // from the top-most layer that has it
        union.WriteAllText("etc/app.conf", config + "debug=1\n"); // copied up first: the lowers stay as they are
        union.DeleteFile("etc/old.conf");                        // a whiteout in the upper dir hides it
        foreach (UnionDirectoryEntry entry in union.ReadDirectory("etc"))
            output.WriteLine($"{entry.Name} {entry.Type}");
        try
        {
            union.Move("etc", "config");
        }
        catch (IOException e) when (UnionErrors.ErrnoOf(e) == 18) // EXDEV: renaming a lower dir, as the kernel's overlay
        {
            output.WriteLine("etc stays: it is a lower dir");
        }
        // README sample end
    }

    /// <summary>The build copies the README and this file here (see the test project).</summary>
    private static string CopiedFiles => Path.Combine(AppContext.BaseDirectory, "readme-sample");

    /// <summary>The sample's lines from this file, less the indentation they have here.</summary>
    private static string[] SampleLines()
    {
        string source = Path.Combine(CopiedFiles, "ReadmeSampleTests.cs");
        string[] lines = File.ReadAllLines(source);
        int first = Array.FindIndex(lines, l => l.Trim() == Begin) + 1, last = Array.FindIndex(lines, l => l.Trim() == End);
        Assert.True(first > 0 && last > first, $"markers not found in {source}");
        string[] body = lines[first..last];
        int indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()).ToArray();
    }
}
