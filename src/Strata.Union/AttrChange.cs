using Strata.Posix;

namespace Strata.Union;

/// <summary>Which fields of an <see cref="AttrChange"/> apply.</summary>
[Flags]
public enum AttrChangeFlags
{
    None = 0,
    Mode = 1,
    Uid = 2,
    Gid = 4,
    Size = 8,
    AccessTime = 16,
    ModifyTime = 32,
    /// <summary>Handle holds an open file handle to use (truncate through it).</summary>
    Handle = 64,
    /// <summary>
    /// A write (or fallocate, copy_file_range, truncate) by a caller without CAP_FSETID is about to change the file
    /// (the VFS's file_remove_privs): drop suid, setgid with group-exec, and setgid without it when the caller is
    /// outside the file's group, with no permission check of its own. Only for a regular file.
    /// </summary>
    KillSetId = 128,
}

/// <summary>A setattr request: chmod, chown, truncate, utimes. Times may be UTIME_NOW.</summary>
public struct AttrChange
{
    public AttrChangeFlags Flags;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public long Size;
    public TimeSpec AccessTime;
    public TimeSpec ModifyTime;
    public ulong Handle;
}
