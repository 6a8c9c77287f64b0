using System.Text;
using Strata.Posix;
using Strata.Testing;
using static Strata.Union.Tests.UnionHelpers;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Tests;

/// <summary>
/// The xattrs of a dir entry, reached through getxattrat and its kin where the kernel has them (6.13) and through
/// /proc/self/fd/DIR/NAME otherwise: both must give the same answers, a symlink's own xattrs and a fifo's included,
/// errors included.
/// </summary>
public sealed class XattrAtTests
{
    // What every call of the scenario answered, in order: a size or an errno, and the bytes it read.
    private static List<string> Scenario(int dir)
    {
        var answers = new List<string>();
        void Answer(string what, int rc, ReadOnlySpan<byte> got = default) =>
            answers.Add(rc < 0 ? $"{what}: errno {-rc}" : $"{what}: {rc} {Encoding.UTF8.GetString(got[..Math.Min(rc, got.Length)]).Replace('\0', '|')}");

        Span<byte> buffer = stackalloc byte[64];
        Answer("set file", Sys.SetXattrAt(dir, B("f"), B("user.a"), B("one")));
        Answer("set file again, create only", Sys.SetXattrAt(dir, B("f"), B("user.a"), B("two"), Libc.XATTR_CREATE));
        Answer("replace absent", Sys.SetXattrAt(dir, B("f"), B("user.b"), B("two"), Libc.XATTR_REPLACE));
        Answer("set symlink's own", Sys.SetXattrAt(dir, B("l"), B("trusted.a"), B("link")));
        Answer("user xattr on a symlink", Sys.SetXattrAt(dir, B("l"), B("user.a"), B("no")));
        Answer("user xattr on a fifo", Sys.SetXattrAt(dir, B("p"), B("user.a"), B("no")));
        Answer("trusted xattr on a fifo", Sys.SetXattrAt(dir, B("p"), B("trusted.a"), B("fifo")));
        Answer("size", Sys.GetXattrAt(dir, B("f"), B("user.a"), Span<byte>.Empty));
        Answer("value", Sys.GetXattrAt(dir, B("f"), B("user.a"), buffer), buffer);
        Answer("too small", Sys.GetXattrAt(dir, B("f"), B("user.a"), buffer[..2]));
        Answer("symlink's own value", Sys.GetXattrAt(dir, B("l"), B("trusted.a"), buffer), buffer);
        Answer("not followed to its target", Sys.GetXattrAt(dir, B("l"), B("user.a"), buffer));
        Answer("fifo's value, not opened", Sys.GetXattrAt(dir, B("p"), B("trusted.a"), buffer), buffer);
        Answer("absent", Sys.GetXattrAt(dir, B("f"), B("user.none"), buffer));
        Answer("missing entry", Sys.GetXattrAt(dir, B("missing"), B("user.a"), buffer));
        Answer("two components", Sys.GetXattrAt(dir, B("d/f"), B("user.a"), buffer));
        Answer("list size", Sys.ListXattrAt(dir, B("l"), Span<byte>.Empty));
        Answer("list", Sys.ListXattrAt(dir, B("l"), buffer), buffer);
        Answer("list too small", Sys.ListXattrAt(dir, B("l"), buffer[..3]));
        Answer("list of a dir", Sys.ListXattrAt(dir, B("d"), buffer), buffer);
        Answer("list of a missing entry", Sys.ListXattrAt(dir, B("missing"), buffer));
        Answer("remove", Sys.RemoveXattrAt(dir, B("f"), B("user.a")));
        Answer("remove again", Sys.RemoveXattrAt(dir, B("f"), B("user.a")));
        Answer("remove symlink's own", Sys.RemoveXattrAt(dir, B("l"), B("trusted.a")));
        Answer("list after removal", Sys.ListXattrAt(dir, B("l"), buffer), buffer);
        Answer("file's value after removal", Sys.GetXattrAt(dir, B("f"), B("user.a"), buffer));
        return answers;
    }

    private static List<string> RunIn(string root, bool calls)
    {
        string path = Path.Combine(root, calls ? "calls" : "proc");
        Directory.CreateDirectory(Path.Combine(path, "d"));
        File.WriteAllText(Path.Combine(path, "f"), "data");
        int dir = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.True(dir >= 0);
        bool before = XattrAtCalls.Available;
        try
        {
            Assert.Equal(0, Sys.SymlinkAt(B("f"), dir, B("l")));
            Assert.Equal(0, Sys.MknodAt(dir, B("p"), FileType.S_IFIFO | 0x1A4, 0));
            XattrAtCalls.Available = calls;
            return Scenario(dir);
        }
        finally
        {
            XattrAtCalls.Available = before;
            Sys.Close(dir);
        }
    }

    [Fact]
    public void TheCallsAndTheProcPathGiveTheSameAnswers() => Bounded.Run(() =>
    {
        string root = Path.Combine("/tmp", "strata-xattrat-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            List<string> proc = RunIn(root, calls: false);
            Assert.Equal(
            [
                "set file: 0 ", $"set file again, create only: errno {Errno.EEXIST}", $"replace absent: errno {Errno.ENODATA}", "set symlink's own: 0 ",
                $"user xattr on a symlink: errno {Errno.EPERM}", $"user xattr on a fifo: errno {Errno.EPERM}", "trusted xattr on a fifo: 0 ",
                "size: 3 ", "value: 3 one", $"too small: errno {Errno.ERANGE}", "symlink's own value: 4 link",
                $"not followed to its target: errno {Errno.ENODATA}", "fifo's value, not opened: 4 fifo", $"absent: errno {Errno.ENODATA}",
                $"missing entry: errno {Errno.ENOENT}", $"two components: errno {Errno.EINVAL}", "list size: 10 ", "list: 10 trusted.a|",
                $"list too small: errno {Errno.ERANGE}", "list of a dir: 0 ", $"list of a missing entry: errno {Errno.ENOENT}",
                "remove: 0 ", $"remove again: errno {Errno.ENODATA}", "remove symlink's own: 0 ", "list after removal: 0 ",
                $"file's value after removal: errno {Errno.ENODATA}",
            ], proc);
            if (!KernelHasXattrAt())
                return;
            Assert.True(XattrAtCalls.Available, "getxattrat exists on this kernel, yet the probe found it missing");
            Assert.Equal(proc, RunIn(root, calls: true));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    });

    private static bool KernelHasXattrAt()
    {
        string[] release = File.ReadAllText("/proc/sys/kernel/osrelease").Split('.', '-');
        return int.Parse(release[0]) * 1000 + int.Parse(release[1]) >= 6013;
    }
}
