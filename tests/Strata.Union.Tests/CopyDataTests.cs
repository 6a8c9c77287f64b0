using Strata.Posix;
using Strata.Testing;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Tests;

/// <summary>
/// A copy-up's data (<see cref="Posix.Posix.CopyData"/>): the same bytes and length as the source, and its holes
/// kept as holes, a trailing one included (whose length only the final truncate gives).
/// </summary>
public sealed class CopyDataTests
{
    private const int Block = 1 << 16;

    // Each layout: data extents as (offset, length), then the file's length.
    public static TheoryData<string, (long Offset, int Length)[], long> Layouts() => new()
    {
        { "empty", [], 0 },
        { "dense", [(0, 3 * Block + 5)], 3 * Block + 5 },
        { "hole in the middle", [(0, Block), (4 * Block, Block)], 5 * Block },
        { "trailing hole", [(0, Block)], 8 * Block },
        { "only a hole", [], 6 * Block },
        { "leading hole", [(3 * Block, 100)], 3 * Block + 100 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void TheCopyHasTheSourcesBytesLengthAndHoles(string layout, (long Offset, int Length)[] extents, long length) => Bounded.Run(() =>
    {
        string dir = Path.Combine("/tmp", "strata-copydata-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        try
        {
            string source = Path.Combine(dir, "source"), copy = Path.Combine(dir, "copy");
            using (var f = new FileStream(source, FileMode.CreateNew))
            {
                var random = new Random(extents.Length);
                foreach ((long offset, int count) in extents)
                {
                    byte[] bytes = new byte[count];
                    random.NextBytes(bytes);
                    f.Position = offset;
                    f.Write(bytes);
                }
                f.SetLength(length);
            }
            int from = Sys.OpenAt(OpenFlags.AT_FDCWD, source, OpenFlags.O_RDONLY);
            int to = Sys.OpenAt(OpenFlags.AT_FDCWD, copy, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, 0x1A4);
            Assert.True(from >= 0 && to >= 0, layout);
            try
            {
                Assert.Equal(0, Sys.CopyData(from, to, length));
            }
            finally
            {
                Sys.Close(from);
                Sys.Close(to);
            }

            Assert.Equal(length, new FileInfo(copy).Length);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
            Assert.Equal(Extents(source), Extents(copy));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    });

    // Where SEEK_DATA and SEEK_HOLE find data, in whole blocks (the filesystem's allocation unit is at most 64 KiB).
    private static List<(long, long)> Extents(string path)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY);
        var extents = new List<(long, long)>();
        try
        {
            for (long position = 0; ;)
            {
                long data = Sys.LSeek(fd, position, Libc.SEEK_DATA);
                if (data < 0)
                    return extents;
                long hole = Sys.LSeek(fd, data, Libc.SEEK_HOLE);
                extents.Add((data / Block, (hole + Block - 1) / Block));
                position = hole;
            }
        }
        finally
        {
            Sys.Close(fd);
        }
    }
}
