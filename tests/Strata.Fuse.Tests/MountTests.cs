using System.Security.Cryptography;
using System.Text;
using Strata.Posix;
using Strata.Testing;

namespace Strata.Fuse.Tests;

/// <summary>Mounts <see cref="MemoryFileSystem"/> for real and uses it through ordinary .NET file APIs.</summary>
public class MountTests
{
    [Fact]
    public void InitNegotiatesProtocolAndFlags()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        MountedFileSystem.Stat(m.Directory); // The first access waits for INIT.

        FuseConnectionInfo? info = fs.Info;
        Assert.NotNull(info);
        Assert.Equal(7u, info.ProtocolMajor);
        Assert.True(info.ProtocolMinor is > 30 and <= FuseProtocol.Minor);
        Assert.Equal(1u << 20, info.MaxWrite);
        Assert.Equal(256, info.MaxPages);
        Assert.True(info.Flags.HasFlag(FuseInitFlags.MaxPages));
        Assert.True(info.Flags.HasFlag(FuseInitFlags.AsyncRead));
        Assert.False(info.Flags.HasFlag(FuseInitFlags.DoReaddirPlus));
        Assert.False(info.Flags.HasFlag(FuseInitFlags.WritebackCache));
        Assert.False(info.Flags.HasFlag(FuseInitFlags.ExportSupport));
        Assert.Same(info, m.Server.Connection);
    }

    [Fact]
    public void FilesDirectoriesAndLinks()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem());

        File.WriteAllText(m.PathOf("hello.txt"), "hello, fuse");
        Assert.Equal("hello, fuse", File.ReadAllText(m.PathOf("hello.txt")));
        File.AppendAllText(m.PathOf("hello.txt"), "!");
        Assert.Equal("hello, fuse!", File.ReadAllText(m.PathOf("hello.txt")));

        Directory.CreateDirectory(m.PathOf("dir/sub"));
        File.WriteAllBytes(m.PathOf("dir/a.bin"), [1, 2, 3]);
        string[] entries = Directory.GetFileSystemEntries(m.PathOf("dir"));
        Array.Sort(entries, StringComparer.Ordinal);
        Assert.Equal([m.PathOf("dir/a.bin"), m.PathOf("dir/sub")], entries);

        StatX st = MountedFileSystem.Stat(m.PathOf("dir/a.bin"));
        Assert.True(st.IsRegular);
        Assert.Equal(3UL, st.Size);
        Assert.True(MountedFileSystem.Stat(m.PathOf("dir/sub")).IsDirectory);

        File.Move(m.PathOf("dir/a.bin"), m.PathOf("dir/sub/b.bin"));
        Assert.False(File.Exists(m.PathOf("dir/a.bin")));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(m.PathOf("dir/sub/b.bin")));

        // rename over an existing file replaces it; RENAME_NOREPLACE refuses.
        File.WriteAllText(m.PathOf("x"), "x");
        File.WriteAllText(m.PathOf("y"), "y");
        Assert.Equal(-Errno.EEXIST, Posix.Posix.RenameAt(OpenFlags.AT_FDCWD, Utf8(m.PathOf("x")), OpenFlags.AT_FDCWD, Utf8(m.PathOf("y")), OpenFlags.RENAME_NOREPLACE));
        File.Move(m.PathOf("x"), m.PathOf("y"), overwrite: true);
        Assert.Equal("x", File.ReadAllText(m.PathOf("y")));

        File.CreateSymbolicLink(m.PathOf("link"), "hello.txt");
        Assert.Equal("hello.txt", new FileInfo(m.PathOf("link")).LinkTarget);
        Assert.Equal("hello, fuse!", File.ReadAllText(m.PathOf("link")));
        Assert.True(MountedFileSystem.Stat(m.PathOf("link"), follow: false).IsSymlink);

        Assert.Equal(0, Posix.Posix.LinkAt(OpenFlags.AT_FDCWD, Utf8(m.PathOf("hello.txt")), OpenFlags.AT_FDCWD, Utf8(m.PathOf("hard"))));
        Assert.Equal(2u, MountedFileSystem.Stat(m.PathOf("hello.txt")).LinkCount);
        Assert.Equal("hello, fuse!", File.ReadAllText(m.PathOf("hard")));

        Assert.Throws<IOException>(() => Directory.Delete(m.PathOf("dir")));
        File.Delete(m.PathOf("dir/sub/b.bin"));
        Directory.Delete(m.PathOf("dir"), recursive: true);
        Assert.False(Directory.Exists(m.PathOf("dir")));
        Assert.Equal(-Errno.ENOENT, Posix.Posix.Stat(m.PathOf("dir"), out _));
    }

    /// <summary>TMPFILE is answered as CREATE is: the kernel opens the nameless file, and LINK names it later.</summary>
    [Fact]
    public void TmpFileIsOpenedNamelessAndLinkedLater()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem());
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, m.Directory, OpenFlags.O_TMPFILE | OpenFlags.O_RDWR, 0x1A4 /* 0644 */);
        Assert.True(fd >= 0, Errno.Describe(fd));
        try
        {
            Assert.Equal(5, Posix.Posix.PWrite(fd, "tmp!\n"u8, 0));
            Assert.Equal(0, Posix.Posix.FStat(fd, out StatX st));
            Assert.True(st.IsRegular);
            Assert.Equal(0u, st.LinkCount);
            Assert.Empty(Directory.GetFileSystemEntries(m.Directory));
            Assert.Equal(0, Posix.Posix.LinkAt(fd, [], OpenFlags.AT_FDCWD, Utf8(m.PathOf("named"))));
            Assert.Equal("tmp!\n", File.ReadAllText(m.PathOf("named")));
            Assert.Equal(st.Inode, MountedFileSystem.Stat(m.PathOf("named")).Inode);
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    [Fact]
    public void SetAttrChangesModeSizeAndTimes()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem());
        string path = m.PathOf("f");
        File.WriteAllText(path, "0123456789");

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(0x180 /* 0600 */, MountedFileSystem.Stat(path).Mode & 0xFFF /* 07777 */);

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            stream.SetLength(4);
        Assert.Equal("0123", File.ReadAllText(path));

        var when = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, when);
        Assert.Equal(new DateTimeOffset(when).ToUnixTimeSeconds(), MountedFileSystem.Stat(path).ModifyTime.Seconds);

        Assert.Equal(0, Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, Utf8(path), 1234, 5678));
        StatX st = MountedFileSystem.Stat(path);
        Assert.Equal(1234u, st.Uid);
        Assert.Equal(5678u, st.Gid);
    }

    [Fact]
    public void ExtendedAttributes()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem());
        File.WriteAllText(m.PathOf("f"), "data");
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, m.PathOf("f"), OpenFlags.O_RDONLY);
        Assert.True(fd >= 0, Errno.Describe(fd));
        try
        {
            Assert.Equal(0, Posix.Posix.SetXattr(fd, "user.colour"u8, "blue"u8));
            Assert.Equal(0, Posix.Posix.SetXattr(fd, "user.shape"u8, "round"u8));
            Assert.Equal(4, Posix.Posix.GetXattr(fd, "user.colour"u8, Span<byte>.Empty)); // size query
            Span<byte> value = stackalloc byte[64];
            Assert.Equal(4, Posix.Posix.GetXattr(fd, "user.colour"u8, value));
            Assert.True("blue"u8.SequenceEqual(value[..4]));
            Assert.Equal(-Errno.ERANGE, Posix.Posix.GetXattr(fd, "user.colour"u8, value[..2]));
            Assert.Equal(-Errno.ENODATA, Posix.Posix.GetXattr(fd, "user.none"u8, value));

            Span<byte> list = stackalloc byte[256];
            int n = Posix.Posix.ListXattr(fd, list);
            Assert.Equal("user.colour\0user.shape\0".Length, n);
            Assert.Equal(n, Posix.Posix.ListXattr(fd, Span<byte>.Empty));
            string[] names = Encoding.UTF8.GetString(list[..n]).TrimEnd('\0').Split('\0');
            Array.Sort(names, StringComparer.Ordinal);
            Assert.Equal(["user.colour", "user.shape"], names);

            Assert.Equal(0, Posix.Posix.RemoveXattr(fd, "user.colour"u8));
            Assert.Equal(-Errno.ENODATA, Posix.Posix.GetXattr(fd, "user.colour"u8, value));
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    [Fact]
    public void LargeReadAndWrite()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs);
        byte[] data = new byte[4 << 20];
        new Random(7).NextBytes(data);

        File.WriteAllBytes(m.PathOf("big"), data);
        Assert.Equal((ulong)data.Length, MountedFileSystem.Stat(m.PathOf("big")).Size);
        byte[] back = File.ReadAllBytes(m.PathOf("big"));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
        Assert.True(fs.LargestWrite > 4096, $"largest WRITE was {fs.LargestWrite} bytes: MAX_PAGES/BIG_WRITES not in force");

        // Unaligned reads at odd offsets.
        using var stream = new FileStream(m.PathOf("big"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        byte[] part = new byte[100_000];
        stream.Position = 3_000_001;
        stream.ReadExactly(part);
        Assert.True(data.AsSpan(3_000_001, part.Length).SequenceEqual(part));
    }

    [Fact]
    public void ConcurrentAccessFromSeveralThreads()
    {
        using var m = new MountedFileSystem(new MemoryFileSystem(), threads: 4);
        const int Workers = 8;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = new Thread[Workers];
        for (int w = 0; w < Workers; w++)
        {
            int worker = w;
            threads[w] = new Thread(() =>
            {
                try
                {
                    string dir = m.PathOf("w" + worker);
                    Directory.CreateDirectory(dir);
                    var rng = new Random(worker);
                    for (int i = 0; i < 20; i++)
                    {
                        byte[] data = new byte[rng.Next(1, 256 * 1024)];
                        rng.NextBytes(data);
                        string file = Path.Combine(dir, "f" + i);
                        File.WriteAllBytes(file, data);
                        Assert.True(data.AsSpan().SequenceEqual(File.ReadAllBytes(file)));
                        Assert.Equal(i + 1, Directory.GetFiles(dir).Length);
                    }
                }
#pragma warning disable CA1031 // Collected and rethrown on the test thread.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    errors.Enqueue(e);
                }
            });
            threads[w].Start();
        }
        foreach (Thread t in threads)
            Assert.True(t.Join(MountedFileSystem.Timeout), "a worker did not finish in time");
        Assert.Empty(errors);
        Assert.Equal(Workers, Directory.GetDirectories(m.Directory).Length);
    }

    [Fact]
    public void ReaddirPlusListsLargeDirectories()
    {
        var fs = new MemoryFileSystem();
        using var m = new MountedFileSystem(fs, readdirPlus: true);
        Assert.True(MountedFileSystem.Stat(m.Directory).IsDirectory);
        Assert.True(fs.Info!.Flags.HasFlag(FuseInitFlags.DoReaddirPlus));

        var expected = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            string name = "entry-with-a-fairly-long-name-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
            File.WriteAllText(m.PathOf(name), name);
            expected.Add(m.PathOf(name));
        }
        string[] listed = Directory.GetFileSystemEntries(m.Directory);
        Array.Sort(listed, StringComparer.Ordinal);
        Assert.Equal(expected, listed);
        Assert.True(fs.ReadDirPlusCalls > 1, "300 entries need several READDIRPLUS requests");
        Assert.Equal("entry-with-a-fairly-long-name-0123", File.ReadAllText(m.PathOf("entry-with-a-fairly-long-name-0123")));
    }

    [Fact]
    public void FilesystemExceptionBecomesEioAndServerSurvives()
    {
        var log = new StringWriter();
        using var m = new MountedFileSystem(new MemoryFileSystem(), log: log);
        Assert.Equal(-Errno.EIO, Posix.Posix.Stat(m.PathOf(MemoryFileSystem.ThrowingName), out _));
        Assert.Contains("test filesystem failure", log.ToString(), StringComparison.Ordinal);

        File.WriteAllText(m.PathOf("still-works"), "yes");
        Assert.Equal("yes", File.ReadAllText(m.PathOf("still-works")));
        Assert.Equal(m.Server.Connection is null ? 0 : Math.Max(2, Environment.ProcessorCount), m.Server.RunningReaders);
    }

    [Fact]
    public void DebugLogsOneLinePerRequest()
    {
        var log = new StringWriter();
        using (var m = new MountedFileSystem(new MemoryFileSystem(), debug: true, log: log))
        {
            File.WriteAllText(m.PathOf("f"), "x");
            Assert.Equal(-Errno.ENOENT, Posix.Posix.Stat(m.PathOf("missing"), out _));
        }
        string text = log.ToString();
        Assert.Contains("Init unique=", text, StringComparison.Ordinal);
        Assert.Contains("Lookup unique=", text, StringComparison.Ordinal);
        Assert.Contains("-> -2", text, StringComparison.Ordinal);

        var quiet = new StringWriter();
        using (var m = new MountedFileSystem(new MemoryFileSystem(), debug: false, log: quiet))
            File.WriteAllText(m.PathOf("f"), "x");
        Assert.Equal(string.Empty, quiet.ToString());
    }

    [Fact]
    public void UnimplementedOperationsAnswerEnosys()
    {
        using var m = new MountedFileSystem(new RootOnlyFileSystem());
        Assert.True(MountedFileSystem.Stat(m.Directory).IsDirectory);
        Assert.Equal(-Errno.ENOSYS, Posix.Posix.MkdirAt(OpenFlags.AT_FDCWD, Utf8(m.PathOf("d")), 0x1ED /* 0755 */));
        Assert.Equal(-Errno.ENOENT, Posix.Posix.Stat(m.PathOf("nothing"), out _));
        // TMPFILE's ENOSYS becomes EOPNOTSUPP for the caller (the kernel's no_tmpfile), now and from then on.
        for (int i = 0; i < 2; i++)
            Assert.Equal(-Errno.EOPNOTSUPP, Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, m.Directory, OpenFlags.O_TMPFILE | OpenFlags.O_RDWR, 0x1A4 /* 0644 */));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public unsafe void RequestPathDoesNotAllocate(bool ioUring)
    {
        var fs = new RootOnlyFileSystem();
        using var parameter = ioUring ? new UringParameter(enabled: true) : null;
        using var m = new MountedFileSystem(fs, ioUring: ioUring);
        Assert.Equal(ioUring, m.Server.UsesIoUring);
        byte[] path = Utf8(m.Directory + "\0");
        StatX st;
        fixed (byte* p = path)
        {
            // Warm up (JIT tiers, first-call paths on every reader), then count: the root's attributes are never
            // cached (attr_valid 0), so every statx is one GETATTR round trip through a reader thread.
            for (int i = 0; i < 2000; i++)
                Assert.Equal(0, Libc.statx(OpenFlags.AT_FDCWD, p, 0, StatX.STATX_BASIC_STATS, &st));
            Thread.Sleep(300); // let the runtime finish promoting the hot methods to their final tier
            // Counted on the reader threads themselves: the test runner allocates on its own threads meanwhile.
            // Best of three rounds: a one-time allocation by the runtime may land in one round, but an allocation
            // per request (24 bytes at the least) shows in every round as 120 KB.
            long best = long.MaxValue;
            for (int round = 0; round < 3 && best >= 1024; round++)
            {
                long before = m.Server.AllocatedBytesOnRequestPath;
                for (int i = 0; i < 5000; i++)
                    Libc.statx(OpenFlags.AT_FDCWD, p, 0, StatX.STATX_BASIC_STATS, &st);
                best = Math.Min(best, m.Server.AllocatedBytesOnRequestPath - before);
            }
            Assert.True(best < 1024, $"{best} bytes allocated on the reader threads for 5000 requests (best of three rounds)");
        }
        Assert.True(fs.GetAttrCalls >= 5000, $"only {fs.GetAttrCalls} GETATTR requests reached the server");
        Assert.True(m.Server.Wait(TimeSpan.Zero) == false);
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Only a root directory: everything else is the base class's ENOSYS.</summary>
    private sealed class RootOnlyFileSystem : FuseFileSystem
    {
        private int getAttrCalls;

        public int GetAttrCalls => Volatile.Read(ref getAttrCalls);

        public override int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry) => -Errno.ENOENT;

        public override int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr)
        {
            Interlocked.Increment(ref getAttrCalls);
            if (nodeId != FuseProtocol.RootId)
                return -Errno.ENOENT;
            attr.Attr.Ino = FuseProtocol.RootId;
            attr.Attr.Mode = FileType.S_IFDIR | 0x1ED /* 0755 */;
            attr.Attr.NLink = 2;
            return 0;
        }
    }
}
