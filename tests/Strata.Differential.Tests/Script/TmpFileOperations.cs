using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// open(O_TMPFILE) in a dir, a write, then linkat(fd, "", AT_EMPTY_PATH) to a name; with O_EXCL the file may never
/// be linked. The outcome is the link's, with the link count before and after and the mode.
/// </summary>
public sealed record TmpFileLinkOperation(string Dir, string Path, uint Mode, string Data, bool Exclusive) : Operation
{
    public override string Run(Executor x)
    {
        int flags = OpenFlags.O_TMPFILE | OpenFlags.O_RDWR | (Exclusive ? OpenFlags.O_EXCL : 0);
        int fd = Posix.Posix.OpenAt(x.RootFd, Executor.Bytes(Dir), flags, Mode);
        if (fd < 0)
            return ErrnoNames.Of(fd);
        try
        {
            int written = Posix.Posix.PWrite(fd, Encoding.UTF8.GetBytes(Data), 0);
            Posix.Posix.FStat(fd, out StatX before);
            int linked = Posix.Posix.LinkAt(fd, [], x.RootFd, Executor.Bytes(Path));
            Posix.Posix.FStat(fd, out StatX after);
            return $"{Executor.Result(linked)} wrote {written} nlink {before.LinkCount} -> {after.LinkCount} mode {Octal(after.Mode)}";
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    /// <summary>The errno alone: what was written and the link counts come after it.</summary>
    public override string? Failure(string result) => base.Failure(result.Split(' ', 2)[0]);

    public override string Kind => "TmpFile linkat";

    public override string Shell => $"tmpfile {Dir} {(Exclusive ? "O_EXCL " : "")}{Octal(Mode)} '{Data}' && linkat AT_EMPTY_PATH {Path}";

    public override IEnumerable<string> Touched => [Dir, Path];
}
