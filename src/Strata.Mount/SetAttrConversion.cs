using Strata.Fuse;
using Strata.Posix;
using Strata.Union;

namespace Strata.Mount;

/// <summary>FUSE SETATTR requests as the engine's attribute changes.</summary>
internal static class SetAttrConversion
{
    /// <summary>
    /// The change a SETATTR asks for. One that asks for nothing is either chown(-1, -1) or the VFS dropping a setgid
    /// bit (without group-exec) before a write by a caller outside the file's group: FUSE leaves that drop to the
    /// filesystem and sends the same empty SETATTR for both, where the overlay refuses the first to a non-owner and
    /// always does the second. The calling thread, which waits in its system call, tells them apart.
    /// </summary>
    public static AttrChange ToChange(in FuseSetAttrIn input, int callerTid)
    {
        FuseSetAttrValid valid = input.Valid;
        var change = new AttrChange();
        if (valid.HasFlag(FuseSetAttrValid.Mode)) { change.Flags |= AttrChangeFlags.Mode; change.Mode = input.Mode; }
        if (valid.HasFlag(FuseSetAttrValid.Uid)) { change.Flags |= AttrChangeFlags.Uid; change.Uid = input.Uid; }
        if (valid.HasFlag(FuseSetAttrValid.Gid)) { change.Flags |= AttrChangeFlags.Gid; change.Gid = input.Gid; }
        if (valid.HasFlag(FuseSetAttrValid.Size)) { change.Flags |= AttrChangeFlags.Size; change.Size = (long)input.Size; }
        if (valid.HasFlag(FuseSetAttrValid.Fh)) { change.Flags |= AttrChangeFlags.Handle; change.Handle = input.Fh; }
        if ((valid & (FuseSetAttrValid.ATime | FuseSetAttrValid.ATimeNow)) != 0)
        {
            change.Flags |= AttrChangeFlags.AccessTime;
            change.AccessTime = valid.HasFlag(FuseSetAttrValid.ATimeNow) ? TimeSpec.Now : new TimeSpec((long)input.ATime, input.ATimeNsec);
        }
        if ((valid & (FuseSetAttrValid.MTime | FuseSetAttrValid.MTimeNow)) != 0)
        {
            change.Flags |= AttrChangeFlags.ModifyTime;
            change.ModifyTime = valid.HasFlag(FuseSetAttrValid.MTimeNow) ? TimeSpec.Now : new TimeSpec((long)input.MTime, input.MTimeNsec);
        }
        const FuseSetAttrValid NoChange = FuseSetAttrValid.Fh | FuseSetAttrValid.LockOwner | FuseSetAttrValid.CTime | FuseSetAttrValid.KillSuidGid;
        if ((valid & ~NoChange) == 0 && ThreadSyscall.IsChown(callerTid) != true)
            change.Flags |= AttrChangeFlags.KillSetId;
        return change;
    }
}
