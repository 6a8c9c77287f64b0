using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// One io_uring instance with 128-byte SQEs (what IORING_OP_URING_CMD needs for a command of more than 16 bytes),
/// used by one thread at a time: <see cref="NextSqe"/> fills a submission, <see cref="SubmitAndWait"/> hands it
/// to the kernel and sleeps until a completion is there, <see cref="TryTakeCompletion"/> reads it. Nothing here
/// allocates after <see cref="Create"/>.
/// </summary>
public sealed unsafe class IoUring : IDisposable
{
    public const byte OpUringCmd = 46;
    public const int SqeSize = 128;

    private const uint SetupSqe128 = 1u << 10;
    private const uint SetupCoopTaskrun = 1u << 8;
    private const uint SetupSingleIssuer = 1u << 12;
    private const uint SetupDeferTaskrun = 1u << 13;
    private const uint EnterGetEvents = 1;
    private const uint FeatSingleMmap = 1;
    private const long OffSqRing = 0;
    private const long OffCqRing = 0x8000000;
    private const long OffSqes = 0x10000000;
    private const int CqeSize = 16;

    // The same numbers on x86-64 and arm64 (both take them from the generic table).
    private const long SysSetup = 425;
    private const long SysEnter = 426;

    private readonly int fd;
    private readonly byte* sqRing;
    private readonly nuint sqRingSize;
    private readonly byte* cqRing;
    private readonly nuint cqRingSize;
    private readonly byte* sqes;
    private readonly nuint sqesSize;
    private readonly uint* sqTail;
    private readonly uint sqMask;
    private readonly uint* sqArray;
    private readonly uint* cqHead;
    private readonly uint* cqTail;
    private readonly uint cqMask;
    private readonly byte* cqes;
    private uint pendingSubmissions;
    private bool disposed;

    [StructLayout(LayoutKind.Sequential)]
    private struct SqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd;
        public fixed uint Resv[3];
        public SqRingOffsets SqOff;
        public CqRingOffsets CqOff;
    }

    private IoUring(int fd, in Params p, byte* sqRing, nuint sqRingSize, byte* cqRing, nuint cqRingSize, byte* sqes, nuint sqesSize)
    {
        this.fd = fd;
        this.sqRing = sqRing;
        this.sqRingSize = sqRingSize;
        this.cqRing = cqRing;
        this.cqRingSize = cqRingSize;
        this.sqes = sqes;
        this.sqesSize = sqesSize;
        sqTail = (uint*)(sqRing + p.SqOff.Tail);
        sqMask = *(uint*)(sqRing + p.SqOff.RingMask);
        sqArray = (uint*)(sqRing + p.SqOff.Array);
        cqHead = (uint*)(cqRing + p.CqOff.Head);
        cqTail = (uint*)(cqRing + p.CqOff.Tail);
        cqMask = *(uint*)(cqRing + p.CqOff.RingMask);
        cqes = cqRing + p.CqOff.Cqes;
    }

    /// <summary>
    /// A ring of <paramref name="entries"/> submissions for the calling thread, which alone may submit to it (the
    /// kernel then runs completion work only when that thread waits, without interrupting it); on kernels without
    /// those modes a plain one. Returns a negative errno where io_uring is missing or disabled (io_uring_disabled,
    /// seccomp).
    /// </summary>
    public static int Create(uint entries, out IoUring? ring)
    {
        ring = null;
        int r = -Errno.EINVAL;
        foreach (uint flags in (ReadOnlySpan<uint>)[SetupSqe128 | SetupSingleIssuer | SetupDeferTaskrun, SetupSqe128 | SetupCoopTaskrun, SetupSqe128])
        {
            var p = default(Params);
            p.Flags = flags;
            long fd = Libc.syscall(SysSetup, entries, (long)&p, 0);
            if (fd < 0)
            {
                r = -Errno.Last;
                if (r == -Errno.EINVAL)
                    continue; // A mode this kernel does not know: try the next.
                return r;
            }
            r = Map((int)fd, in p, out ring);
            if (r < 0)
                Libc.close((int)fd);
            return r;
        }
        return r;
    }

    private static int Map(int fd, in Params p, out IoUring? ring)
    {
        ring = null;
        nuint sqSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
        nuint cqSize = p.CqOff.Cqes + p.CqEntries * (nuint)CqeSize;
        bool single = (p.Features & FeatSingleMmap) != 0;
        if (single)
            sqSize = cqSize = Math.Max(sqSize, cqSize);
        const int prot = Libc.PROT_READ | Libc.PROT_WRITE;
        const int map = Libc.MAP_SHARED | Libc.MAP_POPULATE;
        byte* sq = (byte*)Libc.mmap(null, sqSize, prot, map, fd, OffSqRing);
        if (sq == (byte*)-1)
            return -Errno.Last;
        byte* cq = single ? sq : (byte*)Libc.mmap(null, cqSize, prot, map, fd, OffCqRing);
        if (cq == (byte*)-1)
        {
            int e = -Errno.Last;
            Libc.munmap(sq, sqSize);
            return e;
        }
        nuint sqesSize = p.SqEntries * (nuint)SqeSize;
        byte* s = (byte*)Libc.mmap(null, sqesSize, prot, map, fd, OffSqes);
        if (s == (byte*)-1)
        {
            int e = -Errno.Last;
            if (!single) Libc.munmap(cq, cqSize);
            Libc.munmap(sq, sqSize);
            return e;
        }
        ring = new IoUring(fd, in p, sq, sqSize, cq, single ? 0 : cqSize, s, sqesSize);
        return 0;
    }

    /// <summary>The ring's descriptor.</summary>
    public int Fd => fd;

    /// <summary>A zeroed submission to fill, queued for the next <see cref="SubmitAndWait"/>.</summary>
    public byte* NextSqe()
    {
        uint tail = *sqTail;
        uint index = tail & sqMask;
        byte* sqe = sqes + (nuint)index * SqeSize;
        new Span<byte>(sqe, SqeSize).Clear();
        sqArray[index] = index;
        Volatile.Write(ref *sqTail, tail + 1);
        pendingSubmissions++;
        return sqe;
    }

    /// <summary>
    /// Submits what <see cref="NextSqe"/> queued and waits until at least one completion is there. 0 or a negative
    /// errno (EINTR: a signal; call again).
    /// </summary>
    public int SubmitAndWait() => Enter(1);

    /// <summary>
    /// Submits what <see cref="NextSqe"/> queued and takes in the completions the kernel has ready, without waiting:
    /// with DEFER_TASKRUN a completion reaches the ring only inside io_uring_enter. 0 or a negative errno.
    /// </summary>
    public int SubmitAndPeek() => Enter(0);

    /// <summary>Whether a completion is waiting on the ring (<see cref="TryTakeCompletion"/> would take one).</summary>
    public bool HasCompletion => *cqHead != Volatile.Read(ref *cqTail);

    private int Enter(uint waitFor)
    {
        long r = Libc.syscall6(SysEnter, fd, pendingSubmissions, waitFor, EnterGetEvents, 0, 0);
        if (r < 0)
            return -Errno.Last;
        pendingSubmissions -= (uint)Math.Min(r, pendingSubmissions);
        return 0;
    }

    /// <summary>The oldest completion, if there is one (and takes it off the ring).</summary>
    public bool TryTakeCompletion(out ulong userData, out int result)
    {
        uint head = *cqHead;
        if (head == Volatile.Read(ref *cqTail))
        {
            userData = 0;
            result = 0;
            return false;
        }
        byte* cqe = cqes + (nuint)(head & cqMask) * CqeSize;
        userData = *(ulong*)cqe;
        result = *(int*)(cqe + 8);
        Volatile.Write(ref *cqHead, head + 1);
        return true;
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        Libc.munmap(sqes, sqesSize);
        if (cqRingSize != 0)
            Libc.munmap(cqRing, cqRingSize);
        Libc.munmap(sqRing, sqRingSize);
        Libc.close(fd);
    }
}
