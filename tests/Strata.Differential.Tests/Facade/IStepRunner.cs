using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Facade;

/// <summary>One side of a run: runs a step and says what happened, and probes a path, in the harness's words.</summary>
public interface IStepRunner
{
    string Run(Operation step);

    string Probe(string path);
}

/// <summary>The steps as syscalls on a mounted union (the kernel's overlayfs here).</summary>
public sealed class SyscallRunner(Executor executor) : IStepRunner
{
    public string Run(Operation step) => step.Run(executor);

    public string Probe(string path) => executor.Probe(path);
}
