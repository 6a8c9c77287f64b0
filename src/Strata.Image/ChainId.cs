namespace Strata.Image;

/// <summary>
/// Chain ids name a layer together with everything below it, so that the same diff on different parents is
/// a different layer: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
/// </summary>
public static class ChainId
{
    public static Digest Next(Digest? parentChainId, Digest diffId) =>
        parentChainId is { } parent ? Digest.Of($"{parent} {diffId}") : diffId;

    /// <summary>The chain id of every layer, bottom first.</summary>
    public static IReadOnlyList<Digest> Compute(IReadOnlyList<Digest> diffIds)
    {
        var chain = new List<Digest>(diffIds.Count);
        Digest? parent = null;
        foreach (Digest diffId in diffIds)
        {
            parent = Next(parent, diffId);
            chain.Add(parent.Value);
        }
        return chain;
    }
}
