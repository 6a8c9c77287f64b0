using System.Text;
using Strata.Posix;

namespace Strata.Differential.Tests.Fixed;

/// <summary>
/// Copy-up of everything a lower can hold, compared with the kernel's copy-up of the same lower: a 1 GiB sparse
/// file (its holes kept), a fifo, char and block devices, a socket, a symlink, and a file and a dir with POSIX
/// ACLs, user xattrs, another owner and nanosecond times. Owner, mode, rdev, times and every xattr but
/// trusted.overlay.* must come out as the kernel's do.
/// </summary>
public sealed class CopyUpFidelityTests
{
    private const long OneGiB = 1L << 30;
    private const long DataAt = 512L << 20;

    // atime after mtime and after now, so that no read during copy-up moves it (relatime).
    private static readonly TimeSpec ATime = new(2_000_000_000, 123_456_789);
    private static readonly TimeSpec MTime = new(1_500_000_000, 987_654_321);

    private static readonly string[] Names = ["sparse", "fifo", "chr", "blk", "sock", "link", "acl", "acldir", "acldir/inner"];

    [Fact]
    public void CopyUpKeepsHolesTypesOwnersTimesAndXattrsAsTheKernelDoes() => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(BuildLower);
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            // Opening for write copies the data up; chown to the same owner copies up the rest (parents first).
            int fd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(side.Merged, "sparse"), OpenFlags.O_WRONLY), side.Name);
            Posix.Posix.Close(fd);
            foreach (string name in Names.Where(n => n != "sparse"))
            {
                Check(Posix.Posix.Stat(Path.Combine(side.Merged, name), out StatX st, followSymlinks: false), name);
                Check(Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(Path.Combine(side.Merged, name)), st.Uid, st.Gid), name);
            }
        }
        string merged = string.Join("\n", Names.Select(n => Describe(mounts.Strata.Merged, n)));
        Assert.Equal(string.Join("\n", Names.Select(n => Describe(mounts.Kernel.Merged, n))), merged);
        mounts.Unmount();

        Assert.Equal(string.Join("\n", Names.Select(n => Describe(mounts.Kernel.Upper, n))), string.Join("\n", Names.Select(n => Describe(mounts.Strata.Upper, n))));
        string sparse = Path.Combine(mounts.Strata.Upper, "sparse");
        Check(Posix.Posix.Stat(sparse, out StatX copy), sparse);
        Assert.Equal((ulong)OneGiB, copy.Size);
        Assert.True(copy.Blocks * 512 < 16 << 20, $"the 1 GiB sparse file was copied up with {copy.Blocks * 512} bytes allocated: its holes were filled");
        using FileStream data = File.OpenRead(sparse);
        Assert.Equal("head", ReadAt(data, 0, 4));
        Assert.Equal("middle", ReadAt(data, DataAt, 6));
        Assert.Equal("\0\0\0\0", ReadAt(data, DataAt / 2, 4));
        Assert.Empty(WorkDirContents.Leftovers(Path.Combine(mounts.Strata.Work, "work")));
    }, TimeSpan.FromMinutes(4));

    private static void BuildLower(string lower)
    {
        using (FileStream f = File.Create(Path.Combine(lower, "sparse")))
        {
            f.Write("head"u8);
            f.Position = DataAt;
            f.Write("middle"u8);
            f.SetLength(OneGiB);
        }
        Make(lower, "fifo", FileType.S_IFIFO | 0x1A0 /* 0640 */, 0);
        Make(lower, "chr", FileType.S_IFCHR | 0x180 /* 0600 */, FileType.MakeDev(1, 3));
        Make(lower, "blk", FileType.S_IFBLK | 0x1B0 /* 0660 */, FileType.MakeDev(7, 0));
        Make(lower, "sock", FileType.S_IFSOCK | 0x1ED /* 0755 */, 0); // what bind(2) leaves (.NET unlinks its own at close)
        File.CreateSymbolicLink(Path.Combine(lower, "link"), "acl");
        File.WriteAllText(Path.Combine(lower, "acl"), "acl data");
        Directory.CreateDirectory(Path.Combine(lower, "acldir"));
        File.WriteAllText(Path.Combine(lower, "acldir/inner"), "inner");
        SetXattr(lower, "acl", "system.posix_acl_access", Acl(1000));
        SetXattr(lower, "acl", "user.note", "kept"u8.ToArray());
        SetXattr(lower, "acldir", "system.posix_acl_access", Acl(1001));
        SetXattr(lower, "acldir", "system.posix_acl_default", Acl(1002));
        SetXattr(lower, "acldir", "user.dir", "d"u8.ToArray());
        foreach (string name in Names)
        {
            byte[] path = Encoding.UTF8.GetBytes(Path.Combine(lower, name));
            Check(Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, path, 1000, 1001), name);
            Check(Posix.Posix.UtimensAt(OpenFlags.AT_FDCWD, path, ATime, MTime), name);
        }
    }

    /// <summary>Owner rw, user <paramref name="uid"/> rw, group r, mask rw, other r.</summary>
    private static byte[] Acl(uint uid) => AclText.ToXattr($"u::rw-,u:{uid}:rw-,g::r--,m::rw-,o::r--");

    /// <summary>Type, mode, rdev, owner, size, atime and mtime to the ns, and every xattr but trusted.overlay.*.</summary>
    private static string Describe(string root, string name)
    {
        string path = Path.Combine(root, name);
        int r = Posix.Posix.Stat(path, out StatX st, followSymlinks: false);
        if (r < 0) return $"{name}: {Errno.Describe(r)}";
        var line = new StringBuilder($"{name}: mode={Convert.ToString(st.Mode, 8)} rdev={st.RdevMajor},{st.RdevMinor} owner={st.Uid}:{st.Gid}");
        if (!st.IsDirectory) line.Append($" size={st.Size}");
        line.Append($" atime={st.AccessTime.Seconds}.{st.AccessTime.Nanoseconds:D9} mtime={st.ModifyTime.Seconds}.{st.ModifyTime.Nanoseconds:D9}");
        foreach (var (key, value) in Xattrs(path)) line.Append($" {key}={value}");
        return line.ToString();
    }

    private static SortedDictionary<string, string> Xattrs(string path)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0) return result;
        try
        {
            var list = new byte[8192];
            int n = Posix.Posix.ListXattr(fd, list);
            foreach (string key in Encoding.UTF8.GetString(list, 0, Math.Max(n, 0)).Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                if (key.StartsWith("trusted.overlay.", StringComparison.Ordinal)) continue;
                var value = new byte[4096];
                int m = Posix.Posix.GetXattr(fd, Encoding.UTF8.GetBytes(key), value);
                result[key] = m < 0 ? Errno.Describe(m) : Convert.ToHexString(value, 0, m);
            }
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
        return result;
    }

    private static string ReadAt(FileStream f, long offset, int count)
    {
        var buffer = new byte[count];
        f.Position = offset;
        f.ReadExactly(buffer);
        return Encoding.ASCII.GetString(buffer);
    }

    private static void Make(string dir, string name, uint mode, ulong dev) =>
        Check(Posix.Posix.MknodAt(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(Path.Combine(dir, name)), mode, dev), name);

    private static void SetXattr(string dir, string name, string key, byte[] value)
    {
        int fd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(dir, name), OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW), name);
        try
        {
            Check(Posix.Posix.SetXattr(fd, Encoding.UTF8.GetBytes(key), value), $"{name} {key}");
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new InvalidOperationException($"{what}: {Errno.Describe(result)}");
}
