using Strata.Differential.Tests.Execution;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// One step of a script: runs against a merged root and says what happened (result, errno, data). After it,
/// the paths it touched are probed with stat, so a wrong side effect shows at the step that caused it.
/// </summary>
public abstract record Operation
{
    public abstract string Run(Executor x);

    /// <summary>The step as a shell-like line, for the minimal script printed on a mismatch.</summary>
    public abstract string Shell { get; }

    public abstract IEnumerable<string> Touched { get; }

    /// <summary>What is stat'ed after the step: the paths it touched and their parents.</summary>
    public IEnumerable<string> ProbedPaths => Touched.Concat(Touched.Select(Layers.PathPool.Parent).OfType<string>()).Distinct();

    /// <summary>The kind of step, for the success/failure mix (flags that change what the call does count apart).</summary>
    /// <summary>The errno an outcome reports, or null when the call succeeded.</summary>
    public virtual string? Failure(string result) => result.StartsWith("ok", StringComparison.Ordinal) ? null : result;

    public virtual string Kind => GetType().Name.Replace("Operation", "", StringComparison.Ordinal);

    public sealed override string ToString() => Shell;

    protected static string Octal(uint mode) => Convert.ToString(mode, 8);
}
