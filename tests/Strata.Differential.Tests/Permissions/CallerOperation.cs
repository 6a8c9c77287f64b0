using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// A step run as another user with a umask: the thread that runs it takes on the user's credentials for the call
/// (the probes of the touched paths run as root again, so they see what really changed).
/// </summary>
public sealed record CallerOperation(TestUser User, uint Umask, Operation Inner) : Operation
{
    public override string Run(Executor x)
    {
        // A step that probes (stat, readdir) labels inode numbers from the upper dir, which only root can read.
        x.Labels?.ReadUpper();
        return User.Run(Umask, () => Inner.Run(x));
    }

    public override string Shell => User.Shell(Umask, Inner.Shell);

    public override IEnumerable<string> Touched => Inner.Touched;

    public override string? Failure(string result) => Inner.Failure(result);

    public override string Kind => $"{Inner.Kind} as {(User.IsRoot ? "root" : "user")}";
}
