using Strata.Posix;

namespace Strata.Union.Nodes;

/// <summary>
/// An inode of the union as the engine hands it out: where it lives in the layers. A directory keeps an
/// open fd per layer it merges (top first); anything else is reached as its parent's fd in
/// <see cref="TopLayer"/> plus its name, as libfuse's passthrough_hp keeps per-inode fds.
/// </summary>
internal sealed class Node
{
    public Node(ulong id, Node? parent, byte[] name)
    {
        Id = id;
        Parent = parent;
        Name = name;
    }

    public ulong Id { get; }

    /// <summary>The directory holding this name (null for the root). Kept alive by <see cref="Children"/>.</summary>
    public Node? Parent { get; set; }

    public byte[] Name { get; set; }

    /// <summary>The kernel's lookup count: the node goes when this and <see cref="Children"/> reach 0.</summary>
    public ulong Lookups { get; set; }

    /// <summary>Nodes whose Parent is this one and that are still alive.</summary>
    public int Children { get; set; }

    /// <summary>Whether (Parent, Name) in the node table leads here; false once unlinked or replaced.</summary>
    public bool Attached { get; set; }

    public bool Dropped { get; set; }

    /// <summary>S_IFMT bits.</summary>
    public uint Type { get; set; }

    /// <summary>The index of the top-most layer holding this object (0 is the upper when there is one).</summary>
    public int TopLayer { get; set; }

    /// <summary>For directories: the merged layer instances, top first. Empty for other types.</summary>
    public DirInstance[] Dirs { get; set; } = [];

    /// <summary>The inode number the union reports, worked out at lookup (getattr does not read xattrs again).</summary>
    public Lookup.InodeIdentity Identity { get; set; }

    /// <summary>For a directory: the trusted.overlay.redirect of its upper instance (what its lower instances are found by).</summary>
    public byte[]? Redirect { get; set; }

    /// <summary>Set while the node is a file without a name (O_TMPFILE): it is reached through this, never by parent and name.</summary>
    public UnnamedFile? Unnamed { get; set; }

    public bool IsDirectory => Type == FileType.S_IFDIR;

    /// <summary>The fd of this directory's instance in a layer, or -1 when it has none there.</summary>
    public int DirFdIn(int layer)
    {
        foreach (DirInstance d in Dirs)
        {
            if (d.Layer == layer)
                return d.Fd;
        }
        return -1;
    }

    /// <summary>The directory fd that holds this (non-root) object's top-most instance.</summary>
    public int ParentFd => Parent?.DirFdIn(TopLayer) ?? -1;
}
