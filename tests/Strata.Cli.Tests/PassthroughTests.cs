namespace Strata.Cli.Tests;

/// <summary>
/// Regular files are opened with FUSE passthrough: their data goes between the kernel and the layer file
/// without reaching the server. And the one-backing-file-per-inode rule does not get in the way of a copy-up.
/// </summary>
public sealed class PassthroughTests
{
    private const int MiB = 1 << 20;

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void FileDataNeverReachesTheServer() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create();
        byte[] lower = RandomBytes(64 * MiB, 1);
        File.WriteAllBytes(dir["l0/big"], lower);
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);

        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        Assert.Equal(lower, File.ReadAllBytes(dir["overlay/big"]));
        byte[] written = RandomBytes(64 * MiB, 2);
        // One write(2): the kernel asks the server for security.capability before each write call (it clears set-id
        // bits and capabilities itself, with the caller's credentials: FUSE without HANDLE_KILLPRIV_V2), so the
        // requests a passthrough write costs are per call, not per byte.
        using (var f = new FileStream(dir["overlay/new"], FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            f.Write(written, 0, written.Length);
        long after = StrataCommand.RequestsHandled(dir["overlay"]);
        // 128 MiB through the plain FUSE path is at least 128 READ/WRITE requests of 1 MiB.
        Assert.True(after - before < 40, $"{after - before} requests for 64 MiB read and 64 MiB written");
        Assert.Equal(written, File.ReadAllBytes(dir["upper/new"]));
        Assert.Equal(written, File.ReadAllBytes(dir["overlay/new"]));
    });

    [Fact]
    public void WritingAFileThatIsOpenForReadingFromALowerLayerCopiesItUp() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create();
        File.WriteAllText(dir["l0/f"], "lower\n");
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);

        using var reader = new FileStream(dir["overlay/f"], FileMode.Open, FileAccess.Read);
        Assert.Equal((byte)'l', (byte)reader.ReadByte());
        // The reader's open holds the lower file as the inode's backing file; the writer's open needs the upper copy.
        File.AppendAllText(dir["overlay/f"], "appended\n");
        Assert.Equal("lower\nappended\n", File.ReadAllText(dir["overlay/f"]));
        Assert.Equal("lower\nappended\n", File.ReadAllText(dir["upper/f"]));
        Assert.Equal("lower\n", File.ReadAllText(dir["l0/f"]));
        // The open made before the copy-up goes on reading the lower file (kernel overlayfs before 4.19 did the same).
        var rest = new byte[16];
        Assert.Equal(5, reader.Read(rest));
        Assert.Equal("ower\n", System.Text.Encoding.UTF8.GetString(rest, 0, 5));
    });

    [Fact]
    public void AWriteOnlyOpenFirstLeavesLaterReadsAndWritesOfTheFileToPassthrough() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create();
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        byte[] first = RandomBytes(16 * MiB, 4), second = RandomBytes(16 * MiB, 5);

        // The write-only open registers the inode's backing file (its own fd); the opens after it, with other flags,
        // share it, also once that first open is closed.
        using var writer = new FileStream(dir["overlay/f"], FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        writer.Write(first);
        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        using var reader = new FileStream(dir["overlay/f"], FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        writer.Dispose();
        var back = new byte[first.Length];
        reader.ReadExactly(back);
        Assert.Equal(first, back);
        using (var both = new FileStream(dir["overlay/f"], FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0))
        {
            both.Write(second);
            both.Position = 0;
            both.ReadExactly(back);
            Assert.Equal(second, back);
        }
        long after = StrataCommand.RequestsHandled(dir["overlay"]);
        // Through the server, the 16 MiB written would be 16 WRITE requests of 1 MiB on their own (the reads may come
        // from the page cache); passthrough takes the opens, releases and a getxattr or so.
        Assert.True(after - before < 16, $"{after - before} requests for 16 MiB read, 16 MiB written and 16 MiB read again");
        Assert.Equal(second, File.ReadAllBytes(dir["upper/f"]));
    });

    [Fact]
    public void MappedWritesLandInTheUpperFile() => Bounded.Run(() =>
    {
        using TempDir dir = MountLayout.Create();
        byte[] original = RandomBytes(MiB, 3);
        original[4096] = 0;
        File.WriteAllBytes(dir["l0/m"], original);
        using var mount = StrataMount.Mount(MountLayout.Options, dir["overlay"], dir.Path);
        using (var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(dir["overlay/m"], FileMode.Open, null, 0))
        using (var view = map.CreateViewAccessor())
        {
            view.Write(4096, (byte)0xAB);
            view.Flush();
        }
        byte[] upper = File.ReadAllBytes(dir["upper/m"]);
        Assert.Equal(0xAB, upper[4096]);
        Assert.Equal(original, File.ReadAllBytes(dir["l0/m"]));
        Assert.Equal(upper, File.ReadAllBytes(dir["overlay/m"]));
    });
}
