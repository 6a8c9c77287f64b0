using Strata.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// Who owns a new object, as the kernel's inode_init_owner decides for the overlay inode: the caller's uid; the
/// parent's gid when the parent is setgid, else the caller's gid; a dir made in a setgid dir is setgid itself. (A
/// non-dir's setgid bit that the caller may not keep has been dropped already, by the VFS before the request.)
/// </summary>
internal readonly record struct NewOwner(uint Uid, uint Gid, uint Mode)
{
    public static NewOwner For(in Caller caller, in StatX parent, bool directory, uint mode)
    {
        if ((parent.Mode & FileType.S_ISGID) == 0)
            return new NewOwner(caller.Uid, caller.Gid, mode);
        return new NewOwner(caller.Uid, parent.Gid, directory ? mode | FileType.S_ISGID : mode);
    }
}
