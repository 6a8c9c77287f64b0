namespace Strata.Cli.Tests.Support;

/// <summary>
/// The steps of the overlay walkthrough (and a few more of issue 2's operations), done with ordinary file
/// APIs on a mounted overlay at root/overlay, recording what a user would see after each step.
/// </summary>
public static class Walkthrough
{
    public sealed record Result(List<string> Observations, List<string> Merged);

    public static void CreateLayers(string root)
    {
        foreach (string d in new[] { "work", "layer0", "layer1", "layer2", "overlay" })
            Directory.CreateDirectory(Path.Combine(root, d));
        // Content that is there before the mount: a lower dir to merge, a file to delete, one to rename.
        Directory.CreateDirectory(Path.Combine(root, "layer0/dir"));
        File.WriteAllText(Path.Combine(root, "layer0/dir/from0"), "zero\n");
        Directory.CreateDirectory(Path.Combine(root, "layer1/dir"));
        File.WriteAllText(Path.Combine(root, "layer1/dir/from1"), "one\n");
        File.WriteAllText(Path.Combine(root, "layer0/gone"), "to be deleted\n");
        File.WriteAllText(Path.Combine(root, "layer1/moved"), "to be renamed\n");
        File.WriteAllText(Path.Combine(root, "layer1/mode"), "to be chmodded\n");
    }

    public static Result Run(string root)
    {
        string P(string relative) => Path.Combine(root, relative);
        var seen = new List<string>();
        void See(string what, string value) => seen.Add($"{what}: {value}");

        File.WriteAllBytes(P("layer1/foo"), []);
        See("ls overlay after touch layer1/foo", string.Join(" ", Names(P("overlay")).Where(n => n == "foo")));

        File.WriteAllBytes(P("overlay/bar"), []);
        See("ls layer2 after touch overlay/bar", string.Join(" ", Names(P("layer2"))));

        File.WriteAllText(P("overlay/foo"), "hello\n");
        See("cat overlay/foo", File.ReadAllText(P("overlay/foo")));

        File.WriteAllText(P("layer1/baz"), "hi\n");
        File.Delete(P("overlay/baz"));
        See("baz exists after rm", File.Exists(P("overlay/baz")).ToString());

        File.WriteAllText(P("layer0/qux"), "Hello from Layer 0\n");
        File.WriteAllText(P("layer1/qux"), "Hello from Layer 1\n");
        See("cat overlay/qux", File.ReadAllText(P("overlay/qux")));

        File.Delete(P("overlay/gone"));
        See("ls overlay after rm gone", string.Join(" ", Names(P("overlay"))));

        Directory.CreateDirectory(P("overlay/baz"));
        File.WriteAllText(P("overlay/baz/inside"), "new\n");
        See("ls overlay/baz", string.Join(" ", Names(P("overlay/baz"))));

        See("ls overlay/dir (merged)", string.Join(" ", Names(P("overlay/dir"))));
        File.WriteAllText(P("overlay/dir/from0"), "changed\n");
        See("cat overlay/dir/from0", File.ReadAllText(P("overlay/dir/from0")));

        File.Move(P("overlay/moved"), P("overlay/renamed"));
        See("ls overlay after mv", string.Join(" ", Names(P("overlay"))));

        File.SetUnixFileMode(P("overlay/mode"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        See("mode of overlay/mode", File.GetUnixFileMode(P("overlay/mode")).ToString());

        File.CreateSymbolicLink(P("overlay/link"), "foo");
        See("readlink overlay/link", new FileInfo(P("overlay/link")).LinkTarget ?? "");
        See("cat overlay/link", File.ReadAllText(P("overlay/link")));

        using (var s = new FileStream(P("overlay/qux"), FileMode.Open, FileAccess.ReadWrite))
            s.SetLength(5);
        See("cat overlay/qux after truncate", File.ReadAllText(P("overlay/qux")));

        Directory.CreateDirectory(P("overlay/newdir/sub"));
        File.WriteAllText(P("overlay/newdir/sub/f"), "x");
        File.Delete(P("overlay/newdir/sub/f"));
        Directory.Delete(P("overlay/newdir/sub"));
        See("ls overlay/newdir", string.Join(" ", Names(P("overlay/newdir"))));

        return new Result(seen, TreeSnapshot.Take(P("overlay"), includeOverlayXattrs: false));
    }

    private static List<string> Names(string dir)
    {
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
