using Strata.Fuse;
using Strata.Posix;
using Strata.Union;

namespace Strata.Mount;

/// <summary>FUSE SETATTR requests as the engine's attribute changes.</summary>
internal static class SetAttrConversion
{
    /// <summary>
    /// The change a SETATTR asks for. One that asks for nothing is either chown(-1, -1) or the VFS dropping set-id
    /// bits before a write (fallocate, copy_file_range) by a caller without CAP_FSETID: with FUSE_HANDLE_KILLPRIV_V2
    /// the kernel leaves the drop to the filesystem and sends the same empty SETATTR for both, where the overlay
    /// refuses the first to a non-owner outside the group and always does the second. The calling thread, which
    /// waits in its system call, tells them apart.
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
        // FATTR_KILL_SUIDGID comes with a truncate by a caller without CAP_FSETID, and with every chown (whose own
        // chown in the upper layer drops the bits).
        bool chown = (valid & (FuseSetAttrValid.Uid | FuseSetAttrValid.Gid)) != 0;
        if (valid.HasFlag(FuseSetAttrValid.KillSuidGid) && !chown)
            change.Flags |= AttrChangeFlags.KillSetId;
        else if ((valid & ~NoChange) == 0 && ThreadSyscall.IsChown(callerTid) != true)
            change.Flags |= AttrChangeFlags.KillSetId;
        return change;
    }
}
