using System.Text;
using Strata.Posix;

namespace Strata.Cli.Commands;

/// <summary>
/// strata demo: the classic overlay walkthrough on layers it builds in a temp dir, each step shown as the
/// shell command it stands for, followed by what the merged view and the upper dir then hold.
/// </summary>
internal static class DemoCommand
{
    public static int Run(string[] args)
    {
        if (args.Length > 0)
            throw new CliException("'strata demo' takes no arguments", ExitCodes.Usage);
        if (Libc.geteuid() != 0)
            throw new CliException("the demo mounts through mount(2) and needs root; run it as root (sudo)");

        string root = Directory.CreateTempSubdirectory("strata-demo-").FullName;
        Console.WriteLine($"# working in {root}");
        try
        {
            Walkthrough(root);
        }
        catch (IOException e)
        {
            throw new CliException($"demo failed: {e.Message}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        Console.WriteLine("# done; the temp dir is removed");
        return ExitCodes.Ok;
    }

    private static void Walkthrough(string root)
    {
        string P(string relative) => Path.Combine(root, relative);
        Step("mkdir work layer0 layer1 layer2 overlay");
        foreach (string d in new[] { "work", "layer0", "layer1", "layer2", "overlay" }) Directory.CreateDirectory(P(d));

        MountLayers(root, "./layer1:./layer0");
        try
        {
            Step("touch layer1/foo");
            File.WriteAllBytes(P("layer1/foo"), []);
            Show("ls overlay", string.Join("  ", ListNames(P("overlay"))));

            Step("touch overlay/bar");
            File.WriteAllBytes(P("overlay/bar"), []);
            Show("ls layer2", string.Join("  ", ListNames(P("layer2"))));

            Step("echo hello > overlay/foo");
            File.WriteAllText(P("overlay/foo"), "hello\n");
            Show("cat layer2/foo", File.ReadAllText(P("layer2/foo")).TrimEnd());
            Show("stat -c %s layer1/foo", new FileInfo(P("layer1/foo")).Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Step("echo hi > layer1/baz; rm overlay/baz");
            File.WriteAllText(P("layer1/baz"), "hi\n");
            File.Delete(P("overlay/baz"));
            Show("ls -l layer2/baz", LongListing(P("layer2"), "baz"));

            Step("echo \"Hello from Layer 0\" > layer0/qux; echo \"Hello from Layer 1\" > layer1/qux");
            File.WriteAllText(P("layer0/qux"), "Hello from Layer 0\n");
            File.WriteAllText(P("layer1/qux"), "Hello from Layer 1\n");
            Show("cat overlay/qux", File.ReadAllText(P("overlay/qux")).TrimEnd());

            Step("mkdir overlay/baz   # over the whiteout: an opaque dir");
            Directory.CreateDirectory(P("overlay/baz"));
            Show("ls -l layer2/baz", LongListing(P("layer2"), "baz"));
        }
        finally
        {
            Unmount(root);
        }

        MountLayers(root, "./layer0:./layer1");
        try
        {
            Show("cat overlay/qux", File.ReadAllText(P("overlay/qux")).TrimEnd());
        }
        finally
        {
            Unmount(root);
        }

        Console.WriteLine("# what landed in the upper dir (layer2):");
        foreach (string name in ListNames(P("layer2")))
            Console.WriteLine("  " + LongListing(P("layer2"), name));
    }

    /// <summary>
    /// Mounts as "strata mount" does, with the server in a process of its own: a process that serves a mount
    /// must not also use it (killed mid-request, it would wait for ever on its own reply).
    /// </summary>
    private static void MountLayers(string root, string lowers)
    {
        string options = $"lowerdir={lowers},upperdir=./layer2,workdir=./work";
        Step($"strata mount -o {options} ./overlay");
        string absolute = options.Replace("./", root + "/", StringComparison.Ordinal);
        MountCommand.Run(["-o", absolute, Path.Combine(root, "overlay")], source: null);
    }

    private static void Unmount(string root)
    {
        Step("strata umount ./overlay");
        UmountCommand.Run([Path.Combine(root, "overlay")]);
    }

    private static void Step(string command) => Console.WriteLine($"$ {command}");

    private static void Show(string command, string output)
    {
        Console.WriteLine($"$ {command}");
        if (output.Length > 0) Console.WriteLine(output);
    }

    private static List<string> ListNames(string dir)
    {
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>One "ls -l"-like line: type and permissions, size or device numbers, name, and the opaque mark.</summary>
    private static string LongListing(string dir, string name)
    {
        string path = Path.Combine(dir, name);
        if (Posix.Posix.Stat(path, out StatX st, followSymlinks: false) < 0) return $"{name}: missing";
        var line = new StringBuilder();
        line.Append(TypeChar(st.Mode)).Append(PermissionString(st.Mode)).Append(' ');
        line.Append(FileType.IsCharDevice(st.Mode) ? $"{st.RdevMajor}, {st.RdevMinor}" : st.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        line.Append(' ').Append(name);
        if (st.IsDirectory && OpaqueValue(path) is { } opaque) line.Append($"   (trusted.overlay.opaque={opaque})");
        if (st.IsWhiteoutDevice) line.Append("   (whiteout)");
        return line.ToString();
    }

    private static string? OpaqueValue(string path)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0) return null;
        try
        {
            Span<byte> value = stackalloc byte[16];
            int n = Posix.Posix.GetXattr(fd, "trusted.overlay.opaque"u8, value);
            return n < 0 ? null : Encoding.UTF8.GetString(value[..n]);
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static char TypeChar(uint mode) => (mode & FileType.S_IFMT) switch
    {
        FileType.S_IFDIR => 'd',
        FileType.S_IFLNK => 'l',
        FileType.S_IFCHR => 'c',
        FileType.S_IFBLK => 'b',
        FileType.S_IFIFO => 'p',
        FileType.S_IFSOCK => 's',
        _ => '-',
    };

    private static string PermissionString(uint mode)
    {
        Span<char> p = stackalloc char[9];
        const string letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) p[i] = (mode & (1u << (8 - i))) != 0 ? letters[i] : '-';
        return new string(p);
    }
}
