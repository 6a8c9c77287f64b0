using System.Text;
using Strata.Differential.Tests.Permissions;
using Strata.Posix;

namespace Strata.Differential.Tests.Fixed;

/// <summary>
/// Which set-id bits writes, truncates, fallocate, O_TRUNC opens and chowns drop, as the kernel's overlay drops
/// them: by users without CAP_FSETID (suid always, setgid with group-exec, setgid without it for a caller outside the
/// file's group), not by root; through a passthrough backing file and through the server's own writes; and
/// security.capability, which any write drops. Strata asks for FUSE_HANDLE_KILLPRIV_V2, so every one of these drops
/// is the server's to make (the kernel only says when).
/// </summary>
public sealed class SetIdDropTests
{
    private static readonly (string Name, uint Uid, uint Gid, uint Mode)[] Files =
    [
        ("w4755", 1000, 1000, 0x9ED), ("w6755", 1000, 1000, 0xDED), ("w2755", 1000, 1000, 0x5ED), ("w2745", 1000, 1000, 0x5E5),
        ("o4777", 0, 0, 0x9FF), ("o2777", 0, 0, 0x5FF), ("o2767", 0, 0, 0x5F7), ("r4755", 0, 0, 0x9ED),
        ("t6775", 1000, 1000, 0xDFD), ("f6775", 1000, 1000, 0xDFD), ("e4755", 1000, 1000, 0x9ED), ("c2755", 1000, 1000, 0x5ED),
        ("c4755", 1000, 1000, 0x9ED), ("n4755", 1000, 1000, 0x9ED), ("d6777", 0, 0, 0xDFF), ("a4755", 1000, 1000, 0x9ED),
        ("s4755", 1000, 1000, 0x9ED), ("b4755", 1000, 1000, 0x9ED), ("cap", 0, 0, 0x1ED),
    ];

    // vfs_cap_data revision 2 with CAP_NET_RAW permitted: what setcap cap_net_raw+p writes.
    private static readonly byte[] CapNetRaw = [0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    [Theory]
    [InlineData("passthrough=on")]
    [InlineData("passthrough=off")]
    public void SetIdBitsAndCapabilitiesDropAsTheKernelDropsThem(string strataOptions) => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(BuildLower, strataOptions);
        var results = new Dictionary<string, string>();
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            // The users reach the files through an fd of the merged dir: the temp dirs above it are root's alone.
            int dir = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, side.Merged, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
            Check(dir, side.Merged);
            try
            {
                results[side.Name] = RunSteps(dir) + "\n" + string.Join("\n", Files.Select(f => Describe(side.Merged, f.Name)));
            }
            finally
            {
                Posix.Posix.Close(dir);
            }
        }
        // The kernel's side shows the case is live: alice's write dropped suid, root's kept it.
        Assert.Contains("w4755 755 ", results["kernel"], StringComparison.Ordinal);
        Assert.Contains("r4755 4755 ", results["kernel"], StringComparison.Ordinal);
        Assert.Equal(results["kernel"], results["strata"]);
    }, TimeSpan.FromMinutes(2));

    private static string RunSteps(int merged)
    {
        var log = new StringBuilder();
        void As(TestUser user, string what, Func<int> step) => log.Append(what).Append(" as ").Append(user.Name).Append(": ").Append(user.Run(0x12, step)).Append('\n');
        Target P(string name) => new(merged, name);
        foreach (string name in new[] { "w4755", "w6755", "w2755", "w2745" })
            As(Users.Alice, $"append {name}", () => Append(P(name), 0));
        foreach (string name in new[] { "o4777", "o2777", "o2767" })
            As(Users.Bob, $"append {name}", () => Append(P(name), 0));
        As(TestUser.Root, "append r4755", () => Append(P("r4755"), 0));
        As(Users.Alice, "ftruncate t6775 (O_RDWR)", () => WithFd(P("t6775"), OpenFlags.O_RDWR, fd => Posix.Posix.FTruncate(fd, 1)));
        As(Users.Alice, "ftruncate f6775", () => WithFd(P("f6775"), OpenFlags.O_WRONLY, fd => Posix.Posix.FTruncate(fd, 2)));
        As(Users.Alice, "chown e4755 1000:1000", () => Chown(P("e4755"), 1000, 1000));
        As(Users.Alice, "chown c2755 -1:-1", () => Chown(P("c2755"), uint.MaxValue, uint.MaxValue));
        As(Users.Alice, "chown c4755 -1:-1", () => Chown(P("c4755"), uint.MaxValue, uint.MaxValue));
        As(Users.Bob, "chown b4755 -1:-1 (not the owner)", () => Chown(P("b4755"), uint.MaxValue, uint.MaxValue));
        As(Users.Alice, "O_TRUNC n4755", () => WithFd(P("n4755"), OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, _ => 0));
        As(Users.Bob, "O_DIRECT write d6777", () => Append(P("d6777"), OpenFlags.O_DIRECT));
        As(Users.Alice, "fallocate a4755", () => WithFd(P("a4755"), OpenFlags.O_WRONLY, fd => Posix.Posix.FAllocate(fd, 0, 0, 8192)));
        // A write makes the kernel take the file as free of set-id bits and capabilities (S_NOSEC) until a chmod.
        As(Users.Alice, "append s4755", () => Append(P("s4755"), 0));
        As(Users.Alice, "chmod s4755 4755", () => Chmod(P("s4755"), 0x9ED));
        As(Users.Alice, "append s4755 again", () => Append(P("s4755"), 0));
        As(TestUser.Root, "append cap", () => Append(P("cap"), 0));
        return log.ToString();
    }

    private readonly record struct Target(int Dir, string Name);

    private static int Append(Target file, int extraFlags) => WithFd(file, OpenFlags.O_WRONLY | extraFlags, fd =>
    {
        Span<byte> block = stackalloc byte[4096];
        block.Fill((byte)'x');
        return Posix.Posix.PWriteAnyBuffer(fd, block, 4096);
    });

    // What the call on the file's own fd returns (the xattr *At calls take a name in a dir, not a path).
    private static int WithFd(Target file, int flags, Func<int, int> body)
    {
        int fd = Posix.Posix.OpenAt(file.Dir, file.Name, flags);
        if (fd < 0)
            return fd;
        int rc = body(fd);
        Posix.Posix.Close(fd);
        return rc;
    }

    private static int Chmod(Target file, uint mode) => Posix.Posix.ChmodAt(file.Dir, Encoding.UTF8.GetBytes(file.Name), mode);

    private static int Chown(Target file, uint uid, uint gid) =>
        Posix.Posix.ChownAt(file.Dir, Encoding.UTF8.GetBytes(file.Name), uid, gid);

    private static Target InDir(string path) => new(OpenFlags.AT_FDCWD, path);

    private static string Describe(string merged, string name)
    {
        string path = Path.Combine(merged, name);
        int rc = Posix.Posix.Stat(path, out StatX st);
        if (rc < 0)
            return $"{name} stat {rc}";
        int cap = WithFd(InDir(path), OpenFlags.O_RDONLY, fd => Posix.Posix.GetXattr(fd, "security.capability"u8, stackalloc byte[64]));
        return $"{name} {Convert.ToString(st.Mode & 0xFFF, 8)} {st.Uid}:{st.Gid} size {st.Size} capability {(cap < 0 ? cap.ToString(System.Globalization.CultureInfo.InvariantCulture) : "set")}";
    }

    private static void BuildLower(string lower)
    {
        foreach ((string name, uint uid, uint gid, uint mode) in Files)
        {
            string path = Path.Combine(lower, name);
            File.WriteAllText(path, "data");
            Check(Chown(InDir(path), uid, gid), name);
            Check(Chmod(InDir(path), mode), name);
        }
        Check(WithFd(InDir(Path.Combine(lower, "cap")), OpenFlags.O_RDONLY, fd => Posix.Posix.SetXattr(fd, "security.capability"u8, CapNetRaw)), "cap");
    }

    private static void Check(int rc, string what)
    {
        if (rc < 0)
            throw new InvalidOperationException($"{what}: errno {-rc}");
    }
}
