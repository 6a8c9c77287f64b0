namespace Strata.Union;

/// <summary>Who asks for an operation; objects he creates belong to him.</summary>
public readonly record struct Caller(uint Uid, uint Gid, int Pid)
{
    /// <summary>
    /// Taken to have CAP_SYS_ADMIN, which decides whether trusted.* xattrs are listed (FUSE tells the uid, not the
    /// capabilities; root has it unless dropped on purpose).
    /// </summary>
    public bool SeesTrustedXattrs => Uid == 0;

    /// <summary>
    /// The caller's umask, for the calls that create (FUSE sends it with MKNOD, MKDIR and CREATE). The engine applies
    /// it, not the kernel, because it does not apply under a parent with a default ACL.
    /// </summary>
    public uint Umask { get; init; }

    /// <summary>
    /// Whether the caller is in the group, or taken to be capable as root (in_group_or_capable): his own gid, else
    /// the supplementary groups of his thread (read only when asked). Null when they cannot be known.
    /// </summary>
    public bool? InGroupOrCapable(uint gid)
    {
        if (Uid == 0 || gid == Gid)
            return true;
        return Strata.Posix.ProcessGroups.Of(Pid) is { } groups ? Array.IndexOf(groups, gid) >= 0 : null;
    }
}
