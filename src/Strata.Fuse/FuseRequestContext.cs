namespace Strata.Fuse;

/// <summary>Who asked: the caller's ids from the request header, and the request's unique id.</summary>
public readonly struct FuseRequestContext
{
    public FuseRequestContext(uint uid, uint gid, uint pid, ulong unique)
    {
        Uid = uid;
        Gid = gid;
        Pid = pid;
        Unique = unique;
    }

    internal FuseRequestContext(in FuseInHeader header)
        : this(header.Uid, header.Gid, header.Pid, header.Unique)
    {
    }

    public uint Uid { get; }

    public uint Gid { get; }

    /// <summary>The calling thread's id; 0 for requests the kernel makes on its own (writeback, release).</summary>
    public uint Pid { get; }

    public ulong Unique { get; }
}
