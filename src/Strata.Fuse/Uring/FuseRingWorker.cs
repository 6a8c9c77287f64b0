using System.Runtime.InteropServices;
using Strata.Posix;

namespace Strata.Fuse.Uring;

/// <summary>
/// One thread's ring entry of FUSE over io_uring: the thread stays on the CPU of its queue, so a request made on
/// that CPU wakes a server thread there (no cross-CPU wake-up on the way in or out), and each round trip is one
/// io_uring_enter that hands in the last reply and sleeps until the next request, after a moment awake for it
/// (<see cref="RingPoll"/>). The kernel writes a request as
/// its header, its first argument and a payload in separate places; the worker puts them together as
/// read(/dev/fuse) would have given them, so the <see cref="FuseDispatcher"/> handles both transports alike.
/// </summary>
internal sealed unsafe class FuseRingWorker : IDisposable
{
    private static readonly int InHeaderSize = sizeof(FuseInHeader);
    private static readonly int OutHeaderSize = sizeof(FuseOutHeader);

    private readonly int deviceFd;
    private readonly int queue;
    private readonly int payloadCapacity;
    private IoUring? ring;
    private byte* headers;
    // [out header][payload]: the kernel's payload buffer starts OutHeaderSize bytes in, so that a reply built by the
    // dispatcher (header, then body) has its body in place.
    private byte* reply;
    private byte* request;
    private IoVec* buffers;
    // Whether the connection is gone: only then is the kernel sure to be done with the buffers.
    private bool ended = true;
    private RingPoll poll;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>A worker for <paramref name="queue"/>; pollWindow: how long it stays awake for its next request after a reply (see <see cref="RingPoll"/>).</summary>
    public FuseRingWorker(int deviceFd, int queue, int payloadCapacity, TimeSpan pollWindow)
    {
        this.deviceFd = deviceFd;
        this.queue = queue;
        this.payloadCapacity = payloadCapacity;
        poll = new RingPoll(pollWindow);
    }

    /// <summary>
    /// Whether INIT may offer FUSE over io_uring: the fuse module's enable_uring parameter (off unless set; missing on
    /// kernels without it). INIT tells for sure; this only spares making rings that would go unused.
    /// </summary>
    public static bool KernelOffersRings()
    {
        try
        {
            return File.ReadAllText("/sys/module/fuse/parameters/enable_uring").Trim() == "Y";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The queue (CPU) this worker serves.</summary>
    public int Queue => queue;

    /// <summary>
    /// Makes the ring and the buffers and moves the calling thread onto the queue's CPU; 0 or a negative errno. Runs
    /// on the thread that will serve (the ring accepts submissions from its maker only).
    /// </summary>
    public int Prepare()
    {
        int r = IoUring.Create(4, out ring);
        if (r < 0)
            return r;
        headers = (byte*)NativeMemory.AlignedAlloc((nuint)FuseUringLayout.HeaderBufferSize, 64);
        reply = (byte*)NativeMemory.AlignedAlloc((nuint)(OutHeaderSize + payloadCapacity), 4096);
        request = (byte*)NativeMemory.AlignedAlloc((nuint)(InHeaderSize + FuseUringLayout.OpInSize + payloadCapacity), 4096);
        buffers = (IoVec*)NativeMemory.AlignedAlloc((nuint)(2 * sizeof(IoVec)), 16);
        buffers[0] = new IoVec { Base = headers, Length = (nuint)FuseUringLayout.HeaderBufferSize };
        buffers[1] = new IoVec { Base = reply + OutHeaderSize, Length = (nuint)payloadCapacity };
        // Off its CPU the worker still works, only slower; an offline CPU's queue gets no requests anyway.
        Posix.Posix.PinThreadToCpu(queue);
        return 0;
    }

    /// <summary>
    /// Registers the entry and serves requests until the connection ends (unmount, abort). <paramref name="handle"/>
    /// turns a request into a reply (its length, 0 for none) and counts it.
    /// </summary>
    public void Serve(RequestHandler handle, Action<string> report)
    {
        ended = Run(handle, report);
    }

    private bool Run(RequestHandler handle, Action<string> report)
    {
        IoUring r = ring ?? throw new InvalidOperationException("Prepare first.");
        QueueCommand(FuseUringLayout.CmdRegister, 0);
        bool registered = false;
        while (true)
        {
            // Registration may be refused until INIT's reply is in (EAGAIN below): no waiting awake before that.
            int e = registered ? poll.AwaitAwake(r) : 0;
            e = e == 0 ? r.SubmitAndWait() : Math.Min(e, 0);
            if (e == -Errno.EINTR)
                continue;
            if (e < 0)
            {
                report($"fuse: io_uring_enter failed: {Errno.Describe(e)}; queue {queue} loses a thread");
                return false;
            }
            if (!r.TryTakeCompletion(out _, out int result))
                continue;
            if (result < 0)
            {
                // INIT's reply not yet taken in (only at the start): register again shortly.
                if (!registered && result == -Errno.EAGAIN)
                {
                    Thread.Sleep(1);
                    QueueCommand(FuseUringLayout.CmdRegister, 0);
                    continue;
                }
                // The connection ended (unmount, abort, or this process ending): the normal way out.
                if (result is -Errno.ENOTCONN or -Errno.ECONNABORTED or -Errno.ECANCELED or -Errno.ENODEV)
                    return true;
                report($"fuse: io_uring entry of queue {queue} failed: {Errno.Describe(result)}; queue {queue} loses a thread");
                return false;
            }
            registered = true;
            ulong unique = ((FuseInHeader*)headers)->Unique;
            int length = Assemble();
            int replyLength = length < 0 ? 0 : handle(new ReadOnlySpan<byte>(request, length), new Span<byte>(reply, OutHeaderSize + payloadCapacity));
            if (replyLength < OutHeaderSize)
            {
                // Every ring request waits for an answer (FORGET and INTERRUPT never come this way).
                var header = (FuseOutHeader*)reply;
                header->Length = (uint)OutHeaderSize;
                header->Error = -Errno.EIO;
                header->Unique = unique;
                replyLength = OutHeaderSize;
            }
            Buffer.MemoryCopy(reply, headers + FuseUringLayout.InOutOffset, OutHeaderSize, OutHeaderSize);
            *(uint*)(headers + FuseUringLayout.PayloadSizeOffset) = (uint)(replyLength - OutHeaderSize);
            QueueCommand(FuseUringLayout.CmdCommitAndFetch, unique);
        }
    }

    /// <summary>The request as one block (header, first argument, payload) in the request buffer; its length, or -1.</summary>
    private int Assemble()
    {
        uint total = ((FuseInHeader*)headers)->Length;
        uint payload = *(uint*)(headers + FuseUringLayout.PayloadSizeOffset);
        long first = (long)total - InHeaderSize - payload;
        if (first < 0 || first > FuseUringLayout.OpInSize || payload > (uint)payloadCapacity)
            return -1;
        Buffer.MemoryCopy(headers + FuseUringLayout.InOutOffset, request, InHeaderSize, InHeaderSize);
        Buffer.MemoryCopy(headers + FuseUringLayout.OpInOffset, request + InHeaderSize, first, first);
        Buffer.MemoryCopy(reply + OutHeaderSize, request + InHeaderSize + first, payload, payload);
        return (int)total;
    }

    private void QueueCommand(uint command, ulong commitId)
    {
        byte* sqe = ring!.NextSqe();
        sqe[0] = IoUring.OpUringCmd;
        *(int*)(sqe + FuseUringLayout.SqeFdOffset) = deviceFd;
        *(uint*)(sqe + FuseUringLayout.SqeCmdOpOffset) = command;
        *(ulong*)(sqe + FuseUringLayout.SqeAddrOffset) = (ulong)buffers;
        *(uint*)(sqe + FuseUringLayout.SqeLenOffset) = 2;
        *(ulong*)(sqe + FuseUringLayout.SqeCmdCommitIdOffset) = commitId;
        *(ushort*)(sqe + FuseUringLayout.SqeCmdQueueOffset) = (ushort)queue;
    }

    public void Dispose()
    {
        ring?.Dispose();
        ring = null;
        // A worker that left a live connection (a failure it reported) keeps its buffers: the kernel may still
        // hold them for its entry.
        if (!ended)
            return;
        NativeMemory.AlignedFree(headers);
        NativeMemory.AlignedFree(reply);
        NativeMemory.AlignedFree(request);
        NativeMemory.AlignedFree(buffers);
        headers = reply = request = null;
        buffers = null;
    }
}

/// <summary>Handles one request (read(/dev/fuse)'s layout) and returns the length of the reply it wrote, 0 for none.</summary>
internal delegate int RequestHandler(ReadOnlySpan<byte> request, Span<byte> reply);
