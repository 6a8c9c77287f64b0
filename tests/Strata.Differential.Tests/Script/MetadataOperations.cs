using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>chmod(2), which follows a final symlink.</summary>
public sealed record ChmodOperation(string Path, uint Mode) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.ChmodAt(x.RootFd, Executor.Bytes(Path), Mode));

    public override string Shell => $"chmod {Octal(Mode)} {Path}";

    public override IEnumerable<string> Touched => [Path];
}

/// <summary>lchown(2).</summary>
public sealed record ChownOperation(string Path, uint Uid, uint Gid) : Operation
{
    public override string Run(Executor x) => Executor.Result(Posix.Posix.ChownAt(x.RootFd, Executor.Bytes(Path), Uid, Gid));

    public override string Shell => $"chown -h {Uid}:{Gid} {Path}";

    public override IEnumerable<string> Touched => [Path];
}

/// <summary>utimensat without following a final symlink, to fixed times (the times themselves are not compared).</summary>
public sealed record UtimeOperation(string Path, long Seconds) : Operation
{
    public override string Run(Executor x) =>
        Executor.Result(Posix.Posix.UtimensAt(x.RootFd, Executor.Bytes(Path), new TimeSpec(Seconds, 0), new TimeSpec(Seconds, 0)));

    public override string Shell => $"touch -h -d @{Seconds} {Path}";

    public override IEnumerable<string> Touched => [Path];
}
