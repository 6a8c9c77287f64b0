using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>What kind of object a path names.</summary>
public enum UnionFileType
{
    File,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>
/// stat(2) of a union path: the attributes of its top-most instance, as the mounted union reports them. Mode holds
/// the permission bits with the set-id and sticky bits.
/// </summary>
public sealed record UnionFileInfo(
    UnionFileType Type,
    UnixFileMode Mode,
    uint Uid,
    uint Gid,
    long Length,
    uint LinkCount,
    ulong Inode,
    DateTimeOffset LastAccessTime,
    DateTimeOffset LastWriteTime,
    DateTimeOffset ChangeTime,
    uint DeviceMajor,
    uint DeviceMinor)
{
    public bool IsDirectory => Type == UnionFileType.Directory;

    internal static UnionFileInfo From(in StatX st) => new(
        TypeOf(st.Mode),
        (UnixFileMode)(st.Mode & FileType.PermissionBits),
        st.Uid,
        st.Gid,
        (long)st.Size,
        st.LinkCount,
        st.Inode,
        Time(st.AccessTime),
        Time(st.ModifyTime),
        Time(st.ChangeTime),
        st.RdevMajor,
        st.RdevMinor);

    internal static UnionFileType TypeOf(uint mode) => (mode & FileType.S_IFMT) switch
    {
        FileType.S_IFDIR => UnionFileType.Directory,
        FileType.S_IFLNK => UnionFileType.SymbolicLink,
        FileType.S_IFIFO => UnionFileType.Fifo,
        FileType.S_IFSOCK => UnionFileType.Socket,
        FileType.S_IFCHR => UnionFileType.CharacterDevice,
        FileType.S_IFBLK => UnionFileType.BlockDevice,
        _ => UnionFileType.File,
    };

    internal static UnionFileType TypeOfDirent(byte type) => type switch
    {
        FileType.DT_DIR => UnionFileType.Directory,
        FileType.DT_LNK => UnionFileType.SymbolicLink,
        FileType.DT_FIFO => UnionFileType.Fifo,
        FileType.DT_SOCK => UnionFileType.Socket,
        FileType.DT_CHR => UnionFileType.CharacterDevice,
        FileType.DT_BLK => UnionFileType.BlockDevice,
        _ => UnionFileType.File,
    };

    private static DateTimeOffset Time(StatXTimestamp t) =>
        DateTimeOffset.FromUnixTimeSeconds(t.Seconds).AddTicks(t.Nanoseconds / 100);
}

/// <summary>One entry of a union dir's merged listing (whiteouts and what they hide are not in it).</summary>
public sealed record UnionDirectoryEntry(string Name, UnionFileType Type, ulong Inode);
