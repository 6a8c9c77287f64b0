namespace Strata.Differential.Tests.Layers;

/// <summary>The contents of the lowers of one run, top lower first (the order of lowerdir=).</summary>
public sealed record LayerStackSpec(IReadOnlyList<IReadOnlyList<LayerEntry>> Lowers)
{
    /// <summary>Every path that some lower has (whiteouts and hidden ones included): the script's usual targets.</summary>
    public IEnumerable<string> AllPaths => Lowers.SelectMany(l => l).Select(e => e.Path).Distinct();
}
