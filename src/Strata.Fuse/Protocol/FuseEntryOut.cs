using System.Runtime.InteropServices;

namespace Strata.Fuse;

/// <summary>
/// struct fuse_entry_out (128 bytes): the reply to LOOKUP, MKNOD, MKDIR, SYMLINK, LINK and CREATE. Every reply
/// with a non-zero <see cref="NodeId"/> counts as one lookup the kernel will later give back with FORGET.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseEntryOut
{
    public ulong NodeId;
    /// <summary>NodeId:Generation must be unique over the filesystem's lifetime.</summary>
    public ulong Generation;
    /// <summary>How long (seconds) the kernel may cache the name.</summary>
    public ulong EntryValid;
    /// <summary>How long (seconds) the kernel may cache the attributes.</summary>
    public ulong AttrValid;
    public uint EntryValidNsec;
    public uint AttrValidNsec;
    public FuseAttr Attr;
}
