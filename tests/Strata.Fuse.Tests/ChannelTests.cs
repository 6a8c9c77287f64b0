using System.Text;
using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>
/// What the server tells the kernel unasked: invalidations of cached attributes, data and entries (so a cache
/// can stay correct when files change behind the kernel's back), passthrough backing files, and cloned
/// /dev/fuse descriptors for the readers.
/// </summary>
public sealed class ChannelTests
{
    [Fact]
    public void InvalidateInodeDropsCachedAttributesAndData()
    {
        var fs = new CachingFileSystem("hello");
        using var m = new MountedFileSystem(fs);
        string file = m.PathOf(CachingFileSystem.FileName);
        Assert.Equal(5, SizeOf(file));
        Assert.Equal("hello", ReadWithoutStat(file));

        fs.Content = "changed behind the kernel's back";
        // Attributes and pages are cached for an hour: the kernel still sees the old file.
        Assert.Equal(5, SizeOf(file));
        Assert.Equal("hello", ReadWithoutStat(file));

        Assert.Equal(0, m.Server.Channel.InvalidateInode(CachingFileSystem.FileNode));
        Assert.Equal(fs.Content.Length, SizeOf(file));
        Assert.Equal(fs.Content, ReadWithoutStat(file));
    }

    /// <summary>
    /// statx for the size alone: a full stat would also ask for atime, which every read marks stale, and
    /// so would fetch fresh attributes and hide what the cache holds.
    /// </summary>
    private static unsafe long SizeOf(string path)
    {
        const uint STATX_SIZE = 0x200;
        byte[] z = Encoding.UTF8.GetBytes(path + "\0");
        StatX st;
        fixed (byte* p = z)
            Assert.Equal(0, Libc.statx(OpenFlags.AT_FDCWD, p, 0, STATX_SIZE, &st));
        return (long)st.Size;
    }

    /// <summary>open and pread only (File.ReadAllText would fstat first, with the same effect as above).</summary>
    private static string ReadWithoutStat(string path)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY);
        Assert.True(fd >= 0, $"open: {fd}");
        try
        {
            byte[] buffer = new byte[4096];
            int n = Posix.Posix.PRead(fd, buffer, 0);
            Assert.True(n >= 0, $"pread: {n}");
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    [Fact]
    public void InvalidateEntryDropsACachedName()
    {
        var fs = new CachingFileSystem("data");
        using var m = new MountedFileSystem(fs);
        string file = m.PathOf(CachingFileSystem.FileName);
        Assert.True(File.Exists(file));

        fs.Hidden = true;
        Assert.True(File.Exists(file)); // the entry is cached for an hour
        Assert.Equal(0, m.Server.Channel.InvalidateEntry(FuseProtocol.RootId, Encoding.UTF8.GetBytes(CachingFileSystem.FileName)));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void InvalidatingAnUnknownNodeIsAnErrorNotACrash()
    {
        using var m = new MountedFileSystem(new CachingFileSystem("x"));
        Assert.Equal(-Errno.ENOENT, m.Server.Channel.InvalidateInode(12345));
        Assert.Equal(0, Posix.Posix.Stat(m.Directory, out _));
    }

    [Fact]
    public void PassthroughReadsNeverReachTheServer()
    {
        string backing = Path.Combine(Path.GetTempPath(), "strata-backing-" + Guid.NewGuid().ToString("N"));
        byte[] data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(backing, data);
        try
        {
            var fs = new CachingFileSystem("ignored") { BackingPath = backing, BackingLength = data.Length };
            using var m = new MountedFileSystem(fs, passthrough: true);
            Assert.True(m.Server.Connection!.Flags.HasFlag(FuseInitFlags.Passthrough), "the kernel did not grant FUSE_PASSTHROUGH");
            fs.Channel = m.Server.Channel;

            Assert.Equal(data, File.ReadAllBytes(m.PathOf(CachingFileSystem.FileName)));
            Assert.Equal(0, fs.Reads);
            Assert.True(fs.BackingOpens > 0);
        }
        finally
        {
            File.Delete(backing);
        }
    }

    [Fact]
    public void ReadersGetTheirOwnDeviceDescriptors()
    {
        using var m = new MountedFileSystem(new CachingFileSystem("x"), threads: 4);
        Assert.Equal(3, m.Server.ClonedReaders);
        // Every reader answers: many parallel stats all complete.
        Parallel.For(0, 200, i => Assert.Equal(0, Posix.Posix.Stat(m.PathOf(CachingFileSystem.FileName), out _)));
    }
}
