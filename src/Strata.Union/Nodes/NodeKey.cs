namespace Strata.Union.Nodes;

/// <summary>A name in a directory, as the key of a known node.</summary>
internal readonly record struct NodeKey(ulong Parent, byte[] Name);

/// <summary>The same key over a span, so that lookups of a name do not allocate.</summary>
internal readonly ref struct NodeKeyView(ulong parent, ReadOnlySpan<byte> name)
{
    public ulong Parent { get; } = parent;

    public ReadOnlySpan<byte> Name { get; } = name;
}

internal sealed class NodeKeyComparer : IEqualityComparer<NodeKey>, IAlternateEqualityComparer<NodeKeyView, NodeKey>
{
    public static readonly NodeKeyComparer Instance = new();

    public bool Equals(NodeKey x, NodeKey y) => x.Parent == y.Parent && x.Name.AsSpan().SequenceEqual(y.Name);

    public int GetHashCode(NodeKey obj) => Hash(obj.Parent, obj.Name);

    public bool Equals(NodeKeyView alternate, NodeKey other) =>
        alternate.Parent == other.Parent && alternate.Name.SequenceEqual(other.Name);

    public int GetHashCode(NodeKeyView alternate) => Hash(alternate.Parent, alternate.Name);

    public NodeKey Create(NodeKeyView alternate) => new(alternate.Parent, alternate.Name.ToArray());

    private static int Hash(ulong parent, ReadOnlySpan<byte> name)
    {
        var h = new HashCode();
        h.Add(parent);
        h.AddBytes(name);
        return h.ToHashCode();
    }
}
