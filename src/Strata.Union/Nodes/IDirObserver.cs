namespace Strata.Union.Nodes;

/// <summary>Is told when a node starts or stops holding a layer dir (its fd is open for both calls).</summary>
internal interface IDirObserver
{
    void Added(Node node, DirInstance dir);

    void Removed(Node node, DirInstance dir);
}
