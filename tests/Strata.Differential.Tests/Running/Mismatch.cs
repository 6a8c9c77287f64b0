namespace Strata.Differential.Tests.Running;

/// <summary>Where the two mounts first disagreed: at a step (its index), or in the final merged view or upper dir.</summary>
public sealed record Mismatch(int Step, string Where, string Kernel, string Strata)
{
    public const int AtEnd = -1;

    /// <summary>What a shrunk script must still get wrong: the same kind of operation, or the same final comparison.</summary>
    public string Kind => Step == AtEnd ? Where : Where.Split(' ')[0];

    public override string ToString() =>
        $"{(Step == AtEnd ? Where : $"step {Step + 1} `{Where}`")}\n  kernel: {Kernel}\n  strata: {Strata}";
}
