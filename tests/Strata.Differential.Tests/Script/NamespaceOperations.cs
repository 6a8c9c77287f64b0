using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

public sealed record MkdirOperation(string Path, uint Mode) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.MkdirAt(x.RootFd, Executor.Bytes(Path), Mode));

    public override string Shell => $"mkdir -m {Octal(Mode)} {Path}";

    public override IEnumerable<string> Touched => [Path];
}

public sealed record RmdirOperation(string Path) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.UnlinkAt(x.RootFd, Executor.Bytes(Path), directory: true));

    public override string Shell => $"rmdir {Path}";

    public override IEnumerable<string> Touched => [Path];
}

public sealed record UnlinkOperation(string Path) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.UnlinkAt(x.RootFd, Executor.Bytes(Path), directory: false));

    public override string Shell => $"unlink {Path}";

    public override IEnumerable<string> Touched => [Path];
}

public sealed record RenameOperation(string From, string To, uint Flags) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.RenameAt(x.RootFd, Executor.Bytes(From), x.RootFd, Executor.Bytes(To), Flags));

    public override string Shell => Flags switch
    {
        OpenFlags.RENAME_NOREPLACE => $"mv --no-clobber {From} {To}",
        OpenFlags.RENAME_EXCHANGE => $"mv --exchange {From} {To}",
        _ => $"mv {From} {To}",
    };

    public override string Kind => Flags switch
    {
        OpenFlags.RENAME_NOREPLACE => "Rename NOREPLACE",
        OpenFlags.RENAME_EXCHANGE => "Rename EXCHANGE",
        _ => "Rename",
    };

    public override IEnumerable<string> Touched => [From, To];
}

public sealed record SymlinkOperation(string Target, string Path) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.SymlinkAt(Executor.Bytes(Target), x.RootFd, Executor.Bytes(Path)));

    public override string Shell => $"ln -s {Target} {Path}";

    public override IEnumerable<string> Touched => [Path];
}

public sealed record LinkOperation(string Existing, string Path) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.LinkAt(x.RootFd, Executor.Bytes(Existing), x.RootFd, Executor.Bytes(Path)));

    public override string Shell => $"ln {Existing} {Path}";

    public override IEnumerable<string> Touched => [Existing, Path];
}

public sealed record MkfifoOperation(string Path, uint Mode) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.MknodAt(x.RootFd, Executor.Bytes(Path), FileType.S_IFIFO | Mode, 0));

    public override string Shell => $"mkfifo -m {Octal(Mode)} {Path}";

    public override IEnumerable<string> Touched => [Path];
}
