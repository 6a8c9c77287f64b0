namespace Strata.Differential.Tests.Running;

/// <summary>
/// The random sequence tests (plain and permission runs) share DifferentialRun's temp prefix, by which each
/// checks that it left no mount behind: run in parallel, one would count the other's live mounts as stale.
/// One collection runs them one after another (on a 2-core CI machine they gain nothing side by side).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SequenceCollection
{
    public const string Name = "Differential sequences";
}
