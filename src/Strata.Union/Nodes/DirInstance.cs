namespace Strata.Union.Nodes;

/// <summary>One layer's copy of a directory of the union: the layer index and an open fd of it (owned by the node).</summary>
internal readonly record struct DirInstance(int Layer, int Fd, bool HasXattrWhiteouts);
