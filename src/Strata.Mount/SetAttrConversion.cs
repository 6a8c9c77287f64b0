using Strata.Fuse;
using Strata.Posix;
using Strata.Union;

namespace Strata.Mount;

/// <summary>FUSE SETATTR requests as the engine's attribute changes.</summary>
internal static class SetAttrConversion
{
    private const uint FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16,
        FATTR_MTIME = 32, FATTR_FH = 64, FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256;

    public static AttrChange ToChange(in FuseSetAttrIn input)
    {
        uint valid = input.Valid;
        var change = new AttrChange();
        if ((valid & FATTR_MODE) != 0) { change.Flags |= AttrChangeFlags.Mode; change.Mode = input.Mode; }
        if ((valid & FATTR_UID) != 0) { change.Flags |= AttrChangeFlags.Uid; change.Uid = input.Uid; }
        if ((valid & FATTR_GID) != 0) { change.Flags |= AttrChangeFlags.Gid; change.Gid = input.Gid; }
        if ((valid & FATTR_SIZE) != 0) { change.Flags |= AttrChangeFlags.Size; change.Size = (long)input.Size; }
        if ((valid & FATTR_FH) != 0) { change.Flags |= AttrChangeFlags.Handle; change.Handle = input.Fh; }
        if ((valid & (FATTR_ATIME | FATTR_ATIME_NOW)) != 0)
        {
            change.Flags |= AttrChangeFlags.AccessTime;
            change.AccessTime = (valid & FATTR_ATIME_NOW) != 0 ? TimeSpec.Now : new TimeSpec((long)input.ATime, input.ATimeNsec);
        }
        if ((valid & (FATTR_MTIME | FATTR_MTIME_NOW)) != 0)
        {
            change.Flags |= AttrChangeFlags.ModifyTime;
            change.ModifyTime = (valid & FATTR_MTIME_NOW) != 0 ? TimeSpec.Now : new TimeSpec((long)input.MTime, input.MTimeNsec);
        }
        return change;
    }
}
