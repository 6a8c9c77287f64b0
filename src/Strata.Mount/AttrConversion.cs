using Strata.Fuse;
using Strata.Posix;

namespace Strata.Mount;

/// <summary>statx results as the FUSE protocol carries them.</summary>
internal static class AttrConversion
{
    public static void ToFuse(in StatX st, ref FuseAttr attr)
    {
        attr.Ino = st.Inode;
        attr.Size = st.Size;
        attr.Blocks = st.Blocks;
        attr.ATime = (ulong)st.AccessTime.Seconds;
        attr.ATimeNsec = st.AccessTime.Nanoseconds;
        attr.MTime = (ulong)st.ModifyTime.Seconds;
        attr.MTimeNsec = st.ModifyTime.Nanoseconds;
        attr.CTime = (ulong)st.ChangeTime.Seconds;
        attr.CTimeNsec = st.ChangeTime.Nanoseconds;
        attr.Mode = st.Mode;
        attr.NLink = st.LinkCount;
        attr.Uid = st.Uid;
        attr.Gid = st.Gid;
        attr.RDev = EncodeDevice(st.RdevMajor, st.RdevMinor);
        attr.BlkSize = st.BlockSize;
    }

    /// <summary>The kernel's new_encode_dev: the 32-bit device number format of fuse_attr.rdev.</summary>
    public static uint EncodeDevice(uint major, uint minor) =>
        (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffu) << 12);

    public static void ToFuse(in StatFs st, ref FuseKStatfs statfs)
    {
        statfs.Blocks = st.Blocks;
        statfs.BlocksFree = st.BlocksFree;
        statfs.BlocksAvailable = st.BlocksAvailable;
        statfs.Files = st.Files;
        statfs.FilesFree = st.FilesFree;
        statfs.BlockSize = (uint)st.BlockSize;
        statfs.FragmentSize = (uint)st.FragmentSize;
        statfs.NameLength = Posix.Posix.NameMax;
    }
}
