using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Strata.Fuse.Uring;
using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// Runs a session on an open /dev/fuse descriptor: dedicated OS threads each block in read(), handle the request
/// inline through the <see cref="FuseDispatcher"/> and answer with one write() on the same descriptor. When the
/// kernel ends the connection (unmount, abort), every blocked read() fails with ENODEV, all readers return, and
/// <see cref="FuseFileSystem.Destroy"/> is called once. The descriptor stays the caller's to close, after
/// <see cref="Wait()"/>.
/// With <see cref="FuseServerOptions.IoUring"/>, and when the kernel offers it, requests come instead through
/// io_uring ring entries served by threads kept on each CPU (<see cref="FuseRingWorker"/>); the /dev/fuse readers
/// then see only INIT, FORGET and INTERRUPT.
/// </summary>
public sealed class FuseServer
{
    private readonly int deviceFd;
    private readonly FuseServerOptions options;
    private readonly FuseDispatcher dispatcher;
    private readonly ManualResetEventSlim ended = new(false);
    private readonly Thread[] threads;
    private readonly Thread[] ringThreads;
    private readonly int ringQueues;
    // Ring workers get ready (ring made, thread placed) before INIT is answered, so that INIT offers the rings only
    // when they exist: once offered, the kernel holds every request until each queue has an entry registered.
    private readonly CountdownEvent ringsPrepared;
    private int ringsFailed;
    // Set once INIT has been answered (or the session ended without it): the workers then serve if INIT granted rings.
    private readonly ManualResetEventSlim ringDecision = new(false);
    private int classicRunning;
    // Per reader: requests handled and bytes allocated, each reader on its own cache line (8 longs apart) so
    // that counting costs no cross-core traffic.
    private const int CounterStride = 8;
    private readonly long[] readerCounters;
    private int running;
    private int clonedReaders;
    private int started;

    public FuseServer(int deviceFd, FuseFileSystem fs, FuseServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1);
        if (options.MaxWrite < 4096 || options.MaxWrite % 4096 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxWrite must be a positive multiple of 4096.");
        this.deviceFd = deviceFd;
        this.options = options;
        // No rings with a request timeout: when the kernel aborts a connection whose server has stopped (SIGSTOP, a
        // frozen cgroup), it ends what waits in its queues but not a request already handed to a ring entry whose
        // thread has not picked it up (Linux 6.18), so that caller would hang as if there were no timeout.
        // And none where the kernel will not offer them (its default): no threads and rings made only to be dropped.
        ringQueues = options.IoUring && options.RequestTimeout is null && FuseRingWorker.KernelOffersRings() ? Posix.Posix.PossibleCpus() : 0;
        ringThreads = new Thread[ringQueues * Math.Max(1, options.IoUringThreadsPerQueue)];
        ringsPrepared = new CountdownEvent(ringThreads.Length);
        dispatcher = new FuseDispatcher(fs, options, ringThreads.Length > 0 ? RingsReady : null);
        threads = new Thread[options.Threads];
        readerCounters = new long[(options.Threads + ringThreads.Length) * CounterStride];
        Channel = new FuseChannel(deviceFd);
    }

    /// <summary>Readers that got a /dev/fuse descriptor of their own (see <see cref="FuseServerOptions.CloneDevicePerReader"/>).</summary>
    public int ClonedReaders => Volatile.Read(ref clonedReaders);

    /// <summary>Notifications and passthrough backing files for this session.</summary>
    public FuseChannel Channel { get; }

    /// <summary>What INIT settled, once it has been answered.</summary>
    public FuseConnectionInfo? Connection => dispatcher.Connection;

    /// <summary>
    /// Waits until INIT has been handled, the moment the mount starts answering. This is how the owner learns
    /// that the mount is live without touching it: a server that accesses its own mount can deadlock when it
    /// is killed while its own request is in flight (the kernel then waits for a reply that can never come).
    /// </summary>
    public bool WaitForInit(TimeSpan timeout) => dispatcher.Initialized.Wait(timeout);

    /// <summary>Whether requests come through io_uring (settled by INIT).</summary>
    public bool UsesIoUring => dispatcher.Connection is { } c && (c.Flags & FuseInitFlags.OverIoUring) != 0;

    /// <summary>The io_uring queues (one per possible CPU) when <see cref="UsesIoUring"/>, else 0.</summary>
    public int IoUringQueues => UsesIoUring ? ringQueues : 0;

    /// <summary>Reader threads that have not returned yet.</summary>
    public int RunningReaders => Volatile.Read(ref running);

    /// <summary>
    /// Bytes the reader threads have allocated while handling requests (their buffers excluded): the proof
    /// that the request path does not allocate, measured per thread so that other work in the process does
    /// not blur it.
    /// </summary>
    public long AllocatedBytesOnRequestPath => SumCounter(1);

    /// <summary>Requests handled so far (replied to or not).</summary>
    public long RequestsHandled => SumCounter(0);

    private long SumCounter(int which)
    {
        long sum = 0;
        for (int i = which; i < readerCounters.Length; i += CounterStride) sum += Volatile.Read(ref readerCounters[i]);
        return sum;
    }

    /// <summary>True once every reader has returned.</summary>
    public bool HasEnded => ended.IsSet;

    public void Start()
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
            throw new InvalidOperationException("The server has already been started.");
        running = threads.Length + ringThreads.Length;
        classicRunning = threads.Length;
        StartAll(ringThreads, "fuse-ring-", RingLoop);
        StartAll(threads, "fuse-reader-", ReaderLoop);
    }

    private static void StartAll(Thread[] into, string name, Action<int> loop)
    {
        for (int i = 0; i < into.Length; i++)
        {
            int index = i;
            into[i] = new Thread(() => loop(index))
            {
                IsBackground = true,
                Name = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            into[i].Start();
        }
    }

    /// <summary>Blocks until the session has ended and every reader has returned.</summary>
    public void Wait() => ended.Wait();

    public bool Wait(TimeSpan timeout) => ended.Wait(timeout);

    /// <summary>
    /// Ends the session from this side (for tests): aborts the kernel connection through fusectl, which wakes all
    /// readers with ENODEV (the mount then answers ENOTCONN until unmounted), and waits up to 30 s for them.
    /// Needs <see cref="FuseServerOptions.ConnectionId"/>.
    /// </summary>
    public void Stop()
    {
        if (Volatile.Read(ref started) == 0 || ended.IsSet)
            return;
        if (options.ConnectionId is not uint id)
            throw new InvalidOperationException("Stop needs FuseServerOptions.ConnectionId (FuseMount.ConnectionId).");
        FuseConnections.Abort(id);
        if (!ended.Wait(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("FUSE readers did not stop within 30 s of the abort.");
    }

    /// <summary>
    /// The request buffer must hold the largest WRITE (max_write + headers) or the kernel fails read() with EINVAL,
    /// and at least a 64 KiB xattr value; the reply buffer the largest READ or xattr reply.
    /// </summary>
    private int RequestBufferSize => Math.Max(options.MaxWrite, 64 * 1024) + 4096 + Unsafe.SizeOf<FuseInHeader>() + Unsafe.SizeOf<FuseWriteIn>();

    private int ReplyBufferSize => Math.Max(options.MaxWrite, 64 * 1024) + FuseDispatcher.ReplyOverhead;

    /// <summary>A ring entry's payload buffer: at least the kernel's max_payload_sz (8 KiB, max_write, max_pages pages) and the reply bodies the dispatcher may write.</summary>
    private int RingPayloadCapacity => ReplyBufferSize;

    private unsafe void ReaderLoop(int index)
    {
        int fd = index > 0 && options.CloneDevicePerReader ? CloneDevice() : deviceFd;
        try
        {
            // Allocated once per thread, outside the GC heap: read() and write() take their addresses directly, and
            // a mount's first megabytes of pinned arrays made the runtime collect while the mount was coming up.
            int requestSize = RequestBufferSize, replySize = ReplyBufferSize;
            byte* requestPtr = (byte*)NativeMemory.AlignedAlloc((nuint)requestSize, 4096);
            byte* replyPtr = (byte*)NativeMemory.AlignedAlloc((nuint)replySize, 4096);
            try
            {
                var reply = new Span<byte>(replyPtr, replySize);
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                while (true)
                {
                    nint n = Libc.read(fd, requestPtr, (nuint)requestSize);
                    if (n < 0)
                    {
                        int errno = Errno.Last;
                        if (errno == Errno.EINTR || errno == Errno.EAGAIN)
                            continue;
                        if (errno != Errno.ENODEV) // ENODEV: the connection is gone; the normal end.
                            Report($"fuse: read(/dev/fuse) failed: {Errno.Describe(errno)}; reader ends");
                        return;
                    }

                    int replyLength = dispatcher.Handle(new ReadOnlySpan<byte>(requestPtr, (int)n), reply, out bool endSession);
                    Count(index, allocatedBefore);
                    if (replyLength > 0 && !WriteReply(fd, replyPtr, replyLength))
                        return;
                    // INIT's reply has been taken in (the write returns after that): the rings may now register.
                    if (!ringDecision.IsSet && dispatcher.Connection is not null)
                        ringDecision.Set();
                    if (endSession)
                        return;
                }
            }
            finally
            {
                NativeMemory.AlignedFree(requestPtr);
                NativeMemory.AlignedFree(replyPtr);
            }
        }
        finally
        {
            if (fd != deviceFd)
                Libc.close(fd);
            if (Interlocked.Decrement(ref classicRunning) == 0)
                ringDecision.Set(); // Also when the session ended before INIT: the ring workers that wait for it leave.
            ThreadEnded();
        }
    }

    /// <summary>One request handled by serving thread <paramref name="thread"/> (readers first, then ring workers).</summary>
    private void Count(int thread, long allocatedBefore)
    {
        int slot = thread * CounterStride;
        Volatile.Write(ref readerCounters[slot], readerCounters[slot] + 1);
        Volatile.Write(ref readerCounters[slot + 1], GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }

    private void ThreadEnded()
    {
        if (Interlocked.Decrement(ref running) == 0)
        {
            dispatcher.DestroyOnce();
            ended.Set();
        }
    }

    /// <summary>Whether every ring worker is ready: asked while INIT is handled, before it may offer the rings.</summary>
    private bool RingsReady() => ringsPrepared.Wait(TimeSpan.FromSeconds(5)) && Volatile.Read(ref ringsFailed) == 0;

    private void RingLoop(int index)
    {
        int queue = index % ringQueues;
        var worker = new FuseRingWorker(deviceFd, queue, RingPayloadCapacity, options.IoUringPoll);
        try
        {
            int r = worker.Prepare();
            if (r < 0)
            {
                if (Interlocked.Increment(ref ringsFailed) == 1)
                    Report($"fuse: io_uring unavailable ({Errno.Describe(r)}); serving through /dev/fuse reads");
            }
            ringsPrepared.Signal();
            ringDecision.Wait();
            if (r < 0 || !UsesIoUring)
                return;
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            worker.Serve((request, reply) =>
            {
                int length = dispatcher.Handle(request, reply, out _);
                Count(threads.Length + index, allocatedBefore);
                return length;
            }, Report);
        }
        finally
        {
            worker.Dispose();
            ThreadEnded();
        }
    }

    /// <summary>
    /// A new /dev/fuse descriptor bound to this session, so that this reader waits on its own queue; the reply to
    /// a request must go out on the descriptor it came from. The shared one where cloning is refused.
    /// </summary>
    private unsafe int CloneDevice()
    {
        int clone = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, "/dev/fuse", OpenFlags.O_RDWR);
        if (clone < 0)
            return deviceFd;
        uint session = (uint)deviceFd;
        if (Libc.ioctl(clone, FuseDeviceIoctl.Clone, &session) < 0)
        {
            Libc.close(clone);
            return deviceFd;
        }
        Interlocked.Increment(ref clonedReaders);
        return clone;
    }

    /// <summary>Sends one reply on the descriptor the request came from; false when the connection is gone.</summary>
    private unsafe bool WriteReply(int fd, byte* reply, int length)
    {
        while (true)
        {
            nint w = Libc.write(fd, reply, (nuint)length);
            if (w >= 0)
                return true;
            int errno = Errno.Last;
            if (errno == Errno.EINTR)
                continue;
            if (errno == Errno.ENOENT)
                return true; // The request was interrupted and is gone: nothing waits for this reply.
            if (errno == Errno.ENODEV)
                return false;
            Report($"fuse: reply write failed: {Errno.Describe(errno)}");
            return true;
        }
    }

    private void Report(string message) => (options.Log ?? Console.Error).WriteLine(message);
}
