using System.Runtime.InteropServices;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// fallocate(2) through an fd opened for writing (a lower file is copied up by that open). The modes are the
/// ones FUSE passes on: plain (allocate, may extend), KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE and ZERO_RANGE with or
/// without KEEP_SIZE. COLLAPSE_RANGE and INSERT_RANGE are left out: the kernel's FUSE refuses them with
/// EOPNOTSUPP before the server sees them, while overlayfs on ext4 does them (see README, differences).
/// </summary>
public sealed record FallocateOperation(string Path, int Mode, long Offset, long Length) : Operation
{
    public override string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_WRONLY, 0, fd => Executor.Result(Posix.Posix.FAllocate(fd, Mode, Offset, Length)));

    public override string Shell => $"fallocate {ModeNames(Mode)} -o {Offset} -l {Length} {Path}";

    public override string Kind => $"Fallocate {ModeNames(Mode)}";

    public override IEnumerable<string> Touched => [Path];

    private static string ModeNames(int mode) => mode switch
    {
        0 => "plain",
        Libc.FALLOC_FL_KEEP_SIZE => "--keep-size",
        Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE => "--punch-hole",
        Libc.FALLOC_FL_ZERO_RANGE => "--zero-range",
        _ => "--zero-range --keep-size",
    };
}

/// <summary>lseek(2) with SEEK_DATA or SEEK_HOLE from an offset: where the next data or hole starts, or ENXIO past the end.</summary>
public sealed record SeekOperation(string Path, int Whence, long Offset) : Operation
{
    public override string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_RDONLY, 0, fd =>
        {
            // FUSE answers lseek on a dir in the kernel (from its size) and overlayfs passes it to the dir of the
            // layer (ext4 says LLONG_MAX for a hole): a difference no program relies on, and not the server's.
            if (Posix.Posix.FStat(fd, out StatX st) == 0 && st.IsDirectory) return "dir: not compared";
            long r = Posix.Posix.LSeek(fd, Offset, Whence);
            return r < 0 ? ErrnoNames.Of((int)r) : $"ok {r}";
        });

    public override string Shell => $"lseek {Path} {Offset} {(Whence == Libc.SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE")}";

    public override string Kind => Whence == Libc.SEEK_DATA ? "Seek SEEK_DATA" : "Seek SEEK_HOLE";

    public override IEnumerable<string> Touched => [];
}

/// <summary>copy_file_range(2) from one file (read-only: a lower one stays lower) into another (opened for writing: copied up).</summary>
public sealed record CopyRangeOperation(string From, long FromOffset, string To, long ToOffset, long Length) : Operation
{
    public override string Run(Executor x) =>
        x.WithOpen(From, OpenFlags.O_RDONLY, 0, source =>
            // A fifo source would be open for reading while the target opens: two hard links of one fifo then
            // share a pipe on the kernel overlay but not on Strata (a node per name; see README, differences).
            Posix.Posix.FStat(source, out StatX st) == 0 && !st.IsRegular ? "source not a file: not compared" :
            x.WithOpen(To, OpenFlags.O_WRONLY, 0, target =>
            {
                long n = Posix.Posix.CopyFileRange(source, FromOffset, target, ToOffset, Length);
                return n < 0 ? ErrnoNames.Of((int)n) : $"ok {n}";
            }));

    public override string Shell => $"copy_file_range {From}@{FromOffset} {To}@{ToOffset} {Length}";

    public override IEnumerable<string> Touched => [From, To];
}

/// <summary>
/// An O_DIRECT write and read back of one aligned block from an aligned buffer: what a database does. An offset
/// that is not a multiple of the block size gives EINVAL on both (the layer filesystem's rule).
/// </summary>
public sealed record DirectIoOperation(string Path, long Offset, byte Fill) : Operation
{
    private const int Block = 4096;

    public override unsafe string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_RDWR | OpenFlags.O_DIRECT, 0, fd =>
        {
            byte* memory = (byte*)NativeMemory.AlignedAlloc(Block, Block);
            try
            {
                var buffer = new Span<byte>(memory, Block);
                buffer.Fill(Fill);
                int w = Posix.Posix.PWrite(fd, buffer, Offset);
                if (w < 0) return ErrnoNames.Of(w);
                buffer.Clear();
                int r = Posix.Posix.PRead(fd, buffer, Offset);
                if (r < 0) return $"wrote {w}, read {ErrnoNames.Of(r)}";
                return $"ok wrote {w} read {r} same={buffer[..r].IndexOfAnyExcept(Fill) < 0}";
            }
            finally
            {
                NativeMemory.AlignedFree(memory);
            }
        });

    public override string Shell => $"dd if=<{Fill}> of={Path} bs=4096 count=1 seek={Offset}B oflag=direct conv=notrunc";

    public override IEnumerable<string> Touched => [Path];
}

/// <summary>fsync(2) of a file or dir (fsyncdir through FUSE): nothing to compare but the result and that nothing changed.</summary>
public sealed record SyncOperation(string Path) : Operation
{
    public override string Run(Executor x) => x.WithOpen(Path, OpenFlags.O_RDONLY, 0, fd => Executor.Result(Posix.Posix.FSync(fd)));

    public override string Shell => $"sync {Path}";

    public override IEnumerable<string> Touched => [Path];
}
