using Strata.Posix;

namespace Strata.Differential.Tests.Fixed;

/// <summary>
/// Calls on open files that a random script does not pair up: locks held by one open file against another
/// and against another process, and fsync of a directory, each checked on kernel overlayfs and on Strata alike
/// (O_TMPFILE has <see cref="TmpFileTests"/>).
/// </summary>
public sealed class FileCallTests
{
    private const int EAGAIN = 11;

    /// <summary>
    /// Strata does not ask for FUSE_POSIX_LOCKS or FUSE_FLOCK_LOCKS, so the kernel keeps both kinds of lock on the
    /// FUSE inode itself: every process that uses the mount sees them, which is all one mount needs (the kernel
    /// overlay keeps its locks on the overlay inode the same way, invisible through the layer dirs).
    /// </summary>
    [Fact]
    public void FlockAndFcntlLocksConflictThroughTheMount() => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(lower => File.WriteAllText(Path.Combine(lower, "locked"), "lower data"));
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            string path = Path.Combine(side.Merged, "locked");
            int a = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDWR);
            int b = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDWR);
            try
            {
                Assert.True(a >= 0 && b >= 0, side.Name);
                Assert.Equal(0, Posix.Posix.Flock(a, Libc.LOCK_EX));
                Assert.Equal(-EAGAIN, Posix.Posix.Flock(b, Libc.LOCK_EX | Libc.LOCK_NB));
                Assert.Equal(1, ProcessRunner.Run("flock", "-n", path, "true").ExitCode);
                Assert.Equal(0, Posix.Posix.Flock(a, Libc.LOCK_UN));
                Assert.Equal(0, ProcessRunner.Run("flock", "-n", path, "true").ExitCode);

                var range = new FileLock { Type = Libc.F_WRLCK, Start = 0, Length = 10 };
                Assert.Equal(0, Posix.Posix.FcntlLock(a, Libc.F_OFD_SETLK, ref range));
                var overlap = new FileLock { Type = Libc.F_WRLCK, Start = 5, Length = 1 };
                Assert.Equal(-EAGAIN, Posix.Posix.FcntlLock(b, Libc.F_OFD_SETLK, ref overlap));
                var query = new FileLock { Type = Libc.F_WRLCK, Start = 5, Length = 1 };
                Assert.Equal(0, Posix.Posix.FcntlLock(b, Libc.F_OFD_GETLK, ref query));
                Assert.Equal(Libc.F_WRLCK, query.Type);
                Assert.Equal(0, query.Start);
                Assert.Equal(10, query.Length);
                var beyond = new FileLock { Type = Libc.F_WRLCK, Start = 10, Length = 5 };
                Assert.Equal(0, Posix.Posix.FcntlLock(b, Libc.F_OFD_SETLK, ref beyond));
            }
            finally
            {
                Posix.Posix.Close(a);
                Posix.Posix.Close(b);
            }
        }
    });

    [Fact]
    public void FsyncOfDirectoriesSucceedsOnLowerMergedAndUpperDirs() => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(lower => Directory.CreateDirectory(Path.Combine(lower, "lowerdir")));
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            Directory.CreateDirectory(Path.Combine(side.Merged, "newdir"));
            foreach (string dir in new[] { "", "lowerdir", "newdir" })
            {
                int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(side.Merged, dir), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
                Assert.True(fd >= 0, $"{side.Name} {dir}");
                Assert.Equal(0, Posix.Posix.FSync(fd));
                Assert.Equal(0, Posix.Posix.FSync(fd, dataOnly: true));
                Posix.Posix.Close(fd);
            }
        }
    });

    /// <summary>
    /// The kernel overlay reads the copy through a descriptor opened before copy-up (it checks at each read), so
    /// a reader sees what a writer wrote and what a truncate cut. So does Strata with passthrough=upper, where
    /// lower files are read through the server; with the default passthrough=on such a reader keeps its lower
    /// backing file (PassthroughTests in Strata.Cli.Tests pins that down).
    /// </summary>
    [Fact]
    public void AReaderOpenedBeforeCopyUpSeesWritesAfterIt() => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(lower => File.WriteAllBytes(Path.Combine(lower, "f"), Enumerable.Repeat((byte)'L', 100_000).ToArray()), strataOptions: "passthrough=upper");
        var seen = new List<string>();
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            string path = Path.Combine(side.Merged, "f");
            int reader = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY);
            int writer = -1;
            try
            {
                var buffer = new byte[8];
                Assert.Equal(4, Posix.Posix.PRead(reader, buffer.AsSpan(0, 4), 0));
                writer = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDWR);
                Assert.Equal(4, Posix.Posix.PWrite(writer, "UUUU"u8, 0));
                Assert.Equal(4, Posix.Posix.PWrite(writer, "VVVV"u8, 90_000));
                string near = System.Text.Encoding.ASCII.GetString(buffer, 0, Posix.Posix.PRead(reader, buffer.AsSpan(0, 4), 0));
                string far = System.Text.Encoding.ASCII.GetString(buffer, 0, Posix.Posix.PRead(reader, buffer.AsSpan(0, 4), 90_000));
                Assert.Equal(0, Posix.Posix.FTruncate(writer, 6));
                string cut = System.Text.Encoding.ASCII.GetString(buffer, 0, Posix.Posix.PRead(reader, buffer, 0));
                seen.Add($"{near} {far} {cut}");
            }
            finally
            {
                Posix.Posix.Close(reader);
                Posix.Posix.Close(writer);
            }
        }
        Assert.Equal("UUUU VVVV UUUULL", seen[0]);
        Assert.Equal(seen[0], seen[1]);
    });
}
