using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Script;
using Strata.Posix;

namespace Strata.Differential.Tests.Permissions;

/// <summary>utimensat with both times UTIME_NOW (touch): allowed to whoever may write the file, not only its owner.</summary>
public sealed record TouchNowOperation(string Path) : Operation
{
    public override string Run(Executor x) =>
        Executor.Result(Posix.Posix.UtimensAt(x.RootFd, Executor.Bytes(Path), TimeSpec.Now, TimeSpec.Now));

    public override string Shell => $"touch -h {Path}";

    public override IEnumerable<string> Touched => [Path];
}
