using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Strata.Posix;
using static Strata.Fuse.RequestParsing;

namespace Strata.Fuse;

/// <summary>
/// The protocol layer: turns one request (bytes read from /dev/fuse) into a call on the
/// <see cref="FuseFileSystem"/> and builds the reply in the caller's reply buffer. It does no I/O and owns no
/// threads, so any number of readers may call <see cref="Handle"/> at once, each with its own buffers.
/// </summary>
internal sealed class FuseDispatcher
{
    /// <summary>Result of a handler that must not be answered (FORGET, BATCH_FORGET, INTERRUPT).</summary>
    private const int NoReply = int.MinValue;

    private const int EPROTO = 71;

    /// <summary>The kernel's READLINK buffer is one page minus the NUL it adds.</summary>
    private const int ReadLinkMax = 4095;

    /// <summary>The most a COPY_FILE_RANGE (not _64) reply can count: page-aligned, below 4 GiB.</summary>
    private const long CopyFileRange32Max = 0xFFFF_F000;

    private static readonly int InHeaderSize = Unsafe.SizeOf<FuseInHeader>();
    private static readonly int OutHeaderSize = Unsafe.SizeOf<FuseOutHeader>();

    private readonly FuseFileSystem fs;
    private readonly FuseServerOptions options;
    private readonly TextWriter? log;
    private readonly Func<bool>? ringsReady;
    private int destroyed;

    /// <summary>A dispatcher; <paramref name="ringsReady"/> says whether io_uring queues can serve the session (asked once, at INIT; null: no rings).</summary>
    public FuseDispatcher(FuseFileSystem fs, FuseServerOptions options, Func<bool>? ringsReady = null)
    {
        this.fs = fs;
        this.options = options;
        this.ringsReady = ringsReady;
        log = options.Log is null ? null : TextWriter.Synchronized(options.Log);
    }

    /// <summary>Set once INIT has been answered.</summary>
    public FuseConnectionInfo? Connection { get; private set; }

    /// <summary>Set once INIT has been answered: from then on the mount serves requests.</summary>
    public ManualResetEventSlim Initialized { get; } = new(false);

    /// <summary>The smallest reply buffer <see cref="Handle"/> needs besides room for READ data.</summary>
    public static int ReplyOverhead => OutHeaderSize + 4096;

    /// <summary>
    /// Handles one request. Returns the length of the reply written at the start of <paramref name="reply"/>, or 0
    /// when nothing must be sent. <paramref name="endSession"/> is set after DESTROY.
    /// </summary>
    public int Handle(ReadOnlySpan<byte> request, Span<byte> reply, out bool endSession)
    {
        endSession = false;
        if (request.Length < InHeaderSize)
            return 0; // The kernel never sends this; there is not even a unique id to answer.
        ref readonly FuseInHeader header = ref MemoryMarshal.AsRef<FuseInHeader>(request);
        int end = (int)Math.Min(header.Length, (uint)request.Length);
        ReadOnlySpan<byte> payload = request[InHeaderSize..Math.Max(InHeaderSize, end)];
        Span<byte> body = reply[OutHeaderSize..];

        int bodyLength = 0;
        int result;
        try
        {
            result = Dispatch(in header, payload, body, ref bodyLength, ref endSession);
        }
#pragma warning disable CA1031 // A filesystem bug must cost one request (EIO), not the reader thread.
        catch (Exception e)
#pragma warning restore CA1031
        {
            (log ?? Console.Error).WriteLine($"fuse: {header.Opcode} unique={header.Unique} nodeid={header.NodeId} threw {e}");
            // FORGET, BATCH_FORGET and INTERRUPT are never answered, not even with an error.
            result = header.Opcode is FuseOpcode.Forget or FuseOpcode.BatchForget or FuseOpcode.Interrupt ? NoReply : -Errno.EIO;
            bodyLength = 0;
        }

        if (options.Debug && log is not null)
            LogRequest(in header, result);
        if (result == NoReply)
            return 0;

        // The kernel refuses positive or huge errors; anything not a plain errno becomes EIO.
        if (result > 0)
            result = 0;
        else if (result < -4095)
            result = -Errno.EIO;
        if (result != 0)
            bodyLength = 0;

        ref FuseOutHeader outHeader = ref MemoryMarshal.AsRef<FuseOutHeader>(reply);
        outHeader.Length = (uint)(OutHeaderSize + bodyLength);
        outHeader.Error = result;
        outHeader.Unique = header.Unique;
        return OutHeaderSize + bodyLength;
    }

    /// <summary>Calls <see cref="FuseFileSystem.Destroy"/> unless it has been called already.</summary>
    public void DestroyOnce()
    {
        if (Interlocked.Exchange(ref destroyed, 1) == 0)
            fs.Destroy();
    }

    private void LogRequest(in FuseInHeader header, int result)
    {
        string outcome = result == NoReply ? "no reply" : result.ToString(System.Globalization.CultureInfo.InvariantCulture);
        log!.WriteLine($"fuse: {header.Opcode} unique={header.Unique} nodeid={header.NodeId} -> {outcome}");
    }

    private int Dispatch(in FuseInHeader header, ReadOnlySpan<byte> payload, Span<byte> body, ref int bodyLength, ref bool endSession)
    {
        var ctx = new FuseRequestContext(in header);
        ulong node = header.NodeId;
        switch (header.Opcode)
        {
            case FuseOpcode.Init:
                return HandleInit(payload, body, ref bodyLength);
            case FuseOpcode.Destroy:
                DestroyOnce();
                endSession = true;
                return 0;
            case FuseOpcode.Interrupt:
                return NoReply; // Requests run to completion; a reply to an interrupted one is dropped by the kernel.
            case FuseOpcode.Forget:
                fs.Forget(node, Take<FuseForgetIn>(ref payload).NLookup);
                return NoReply;
            case FuseOpcode.BatchForget:
                return HandleBatchForget(payload);

            case FuseOpcode.Lookup:
                return EntryReply(fs.Lookup(in ctx, node, TakeName(ref payload), ref Place<FuseEntryOut>(body)), ref bodyLength);
            case FuseOpcode.GetAttr:
            {
                ref readonly FuseGetAttrIn input = ref Take<FuseGetAttrIn>(ref payload);
                ulong? fh = (input.GetAttrFlags & FuseProtocol.GetAttrFh) != 0 ? input.Fh : null;
                return AttrReply(fs.GetAttr(in ctx, node, fh, ref Place<FuseAttrOut>(body)), ref bodyLength);
            }
            case FuseOpcode.SetAttr:
                return AttrReply(fs.SetAttr(in ctx, node, in Take<FuseSetAttrIn>(ref payload), ref Place<FuseAttrOut>(body)), ref bodyLength);
            case FuseOpcode.ReadLink:
            {
                Span<byte> target = body[..Math.Min(body.Length, ReadLinkMax)];
                int r = fs.ReadLink(in ctx, node, target, out int length);
                return DataReply(r, length, target.Length, ref bodyLength);
            }
            case FuseOpcode.Symlink:
            {
                ReadOnlySpan<byte> name = TakeName(ref payload);
                ReadOnlySpan<byte> target = TakeName(ref payload);
                return EntryReply(fs.Symlink(in ctx, node, name, target, ref Place<FuseEntryOut>(body)), ref bodyLength);
            }
            case FuseOpcode.MkNod:
            {
                ref readonly FuseMkNodIn input = ref Take<FuseMkNodIn>(ref payload);
                ReadOnlySpan<byte> name = TakeName(ref payload);
                return EntryReply(fs.MkNod(in ctx, node, name, input.Mode, input.RDev, input.Umask, ref Place<FuseEntryOut>(body)), ref bodyLength);
            }
            case FuseOpcode.MkDir:
            {
                ref readonly FuseMkDirIn input = ref Take<FuseMkDirIn>(ref payload);
                ReadOnlySpan<byte> name = TakeName(ref payload);
                return EntryReply(fs.MkDir(in ctx, node, name, input.Mode, input.Umask, ref Place<FuseEntryOut>(body)), ref bodyLength);
            }
            case FuseOpcode.Unlink:
                return fs.Unlink(in ctx, node, TakeName(ref payload));
            case FuseOpcode.RmDir:
                return fs.RmDir(in ctx, node, TakeName(ref payload));
            case FuseOpcode.Rename:
            {
                ulong newDir = Take<FuseRenameIn>(ref payload).NewDir;
                ReadOnlySpan<byte> name = TakeName(ref payload);
                return fs.Rename(in ctx, node, name, newDir, TakeName(ref payload), 0);
            }
            case FuseOpcode.Rename2:
            {
                ref readonly FuseRename2In input = ref Take<FuseRename2In>(ref payload);
                ReadOnlySpan<byte> name = TakeName(ref payload);
                return fs.Rename(in ctx, node, name, input.NewDir, TakeName(ref payload), input.Flags);
            }
            case FuseOpcode.Link:
            {
                ulong oldNode = Take<FuseLinkIn>(ref payload).OldNodeId;
                return EntryReply(fs.Link(in ctx, oldNode, node, TakeName(ref payload), ref Place<FuseEntryOut>(body)), ref bodyLength);
            }
            case FuseOpcode.Open:
                return OpenReply(fs.Open(in ctx, node, (int)Take<FuseOpenIn>(ref payload).Flags, ref Place<FuseOpenOut>(body)), ref bodyLength);
            case FuseOpcode.OpenDir:
                return OpenReply(fs.OpenDir(in ctx, node, (int)Take<FuseOpenIn>(ref payload).Flags, ref Place<FuseOpenOut>(body)), ref bodyLength);
            case FuseOpcode.Read:
            {
                ref readonly FuseReadIn input = ref Take<FuseReadIn>(ref payload);
                Span<byte> buffer = body[..(int)Math.Min(input.Size, (uint)body.Length)];
                int r = fs.Read(in ctx, node, input.Fh, (long)input.Offset, buffer, out int read);
                return DataReply(r, read, buffer.Length, ref bodyLength);
            }
            case FuseOpcode.Write:
                return HandleWrite(in ctx, node, payload, body, ref bodyLength);
            case FuseOpcode.StatFs:
            {
                int r = fs.StatFs(in ctx, node, ref Place<FuseKStatfs>(body));
                return StructReply<FuseKStatfs>(r, ref bodyLength);
            }
            case FuseOpcode.Release:
            {
                ref readonly FuseReleaseIn input = ref Take<FuseReleaseIn>(ref payload);
                return fs.Release(in ctx, node, input.Fh, (int)input.Flags);
            }
            case FuseOpcode.ReleaseDir:
                return fs.ReleaseDir(in ctx, node, Take<FuseReleaseIn>(ref payload).Fh);
            case FuseOpcode.Flush:
                return fs.Flush(in ctx, node, Take<FuseFlushIn>(ref payload).Fh);
            case FuseOpcode.Fsync:
            {
                ref readonly FuseFsyncIn input = ref Take<FuseFsyncIn>(ref payload);
                return fs.Fsync(in ctx, node, input.Fh, (input.FsyncFlags & FuseProtocol.FsyncDataSync) != 0);
            }
            case FuseOpcode.FsyncDir:
            {
                ref readonly FuseFsyncIn input = ref Take<FuseFsyncIn>(ref payload);
                return fs.FsyncDir(in ctx, node, input.Fh, (input.FsyncFlags & FuseProtocol.FsyncDataSync) != 0);
            }
            case FuseOpcode.SetXattr:
            {
                ref readonly FuseSetXattrIn input = ref Take<FuseSetXattrIn>(ref payload);
                ReadOnlySpan<byte> name = TakeName(ref payload);
                ReadOnlySpan<byte> value = payload[..(int)Math.Min(input.Size, (uint)payload.Length)];
                return fs.SetXattr(in ctx, node, name, value, (int)input.Flags);
            }
            case FuseOpcode.GetXattr:
            {
                uint size = Take<FuseGetXattrIn>(ref payload).Size;
                ReadOnlySpan<byte> name = TakeName(ref payload);
                Span<byte> value = body[..(int)Math.Min(size, (uint)body.Length)];
                int r = fs.GetXattr(in ctx, node, name, value, out int actual);
                return XattrReply(r, size, actual, body, value.Length, ref bodyLength);
            }
            case FuseOpcode.ListXattr:
            {
                uint size = Take<FuseGetXattrIn>(ref payload).Size;
                Span<byte> list = body[..(int)Math.Min(size, (uint)body.Length)];
                int r = fs.ListXattr(in ctx, node, list, out int actual);
                return XattrReply(r, size, actual, body, list.Length, ref bodyLength);
            }
            case FuseOpcode.RemoveXattr:
                return fs.RemoveXattr(in ctx, node, TakeName(ref payload));
            case FuseOpcode.ReadDir:
            case FuseOpcode.ReadDirPlus:
            {
                ref readonly FuseReadIn input = ref Take<FuseReadIn>(ref payload);
                var writer = new DirentWriter(body[..(int)Math.Min(input.Size, (uint)body.Length)]);
                int r = header.Opcode == FuseOpcode.ReadDir
                    ? fs.ReadDir(in ctx, node, input.Fh, (long)input.Offset, ref writer)
                    : fs.ReadDirPlus(in ctx, node, input.Fh, (long)input.Offset, ref writer);
                bodyLength = writer.BytesWritten;
                return r;
            }
            case FuseOpcode.Access:
                return fs.Access(in ctx, node, (int)Take<FuseAccessIn>(ref payload).Mask);
            case FuseOpcode.Create:
                return HandleCreate(in ctx, node, payload, body, ref bodyLength, tmpFile: false);
            case FuseOpcode.TmpFile:
                return HandleCreate(in ctx, node, payload, body, ref bodyLength, tmpFile: true);
            case FuseOpcode.Fallocate:
            {
                ref readonly FuseFallocateIn input = ref Take<FuseFallocateIn>(ref payload);
                return fs.Fallocate(in ctx, node, input.Fh, (long)input.Offset, (long)input.Length, (int)input.Mode);
            }
            case FuseOpcode.LSeek:
            {
                ref readonly FuseLSeekIn input = ref Take<FuseLSeekIn>(ref payload);
                long r = fs.LSeek(in ctx, node, input.Fh, (long)input.Offset, (int)input.Whence);
                if (r < 0)
                    return r < -4095 ? -Errno.EIO : (int)r;
                Place<FuseLSeekOut>(body).Offset = (ulong)r;
                bodyLength = Unsafe.SizeOf<FuseLSeekOut>();
                return 0;
            }
            case FuseOpcode.CopyFileRange:
            case FuseOpcode.CopyFileRange64:
                return HandleCopyFileRange(in ctx, node, header.Opcode == FuseOpcode.CopyFileRange64, payload, body, ref bodyLength);
            default:
                // GETLK/SETLK/SETLKW and flock are only sent when INIT grants FUSE_POSIX_LOCKS/FUSE_FLOCK_LOCKS,
                // which we do not ask for: the kernel then keeps locks itself, which is right for one mount.
                // POLL: ENOSYS makes the kernel report files always ready, as regular files are anyway.
                // STATX, SYNCFS, IOCTL, BMAP, ...
                return -Errno.ENOSYS;
        }
    }

    private int HandleInit(ReadOnlySpan<byte> payload, Span<byte> body, ref int bodyLength)
    {
        // Old kernels send a shorter fuse_init_in; copy what there is into a zeroed one.
        FuseInitIn input = default;
        payload[..Math.Min(payload.Length, Unsafe.SizeOf<FuseInitIn>())].CopyTo(MemoryMarshal.AsBytes(new Span<FuseInitIn>(ref input)));
        if (input.Major < FuseProtocol.Major)
            return -EPROTO;

        ref FuseInitOut output = ref Place<FuseInitOut>(body);
        bodyLength = Unsafe.SizeOf<FuseInitOut>();
        output.Major = FuseProtocol.Major;
        output.Minor = FuseProtocol.Minor;
        if (input.Major > FuseProtocol.Major)
            return 0; // The kernel then asks again at our major version.

        var offered = (FuseInitFlags)input.Flags;
        if ((offered & FuseInitFlags.InitExt) != 0)
            offered |= (FuseInitFlags)((ulong)input.Flags2 << 32);
        FuseInitFlags wanted = FuseInitFlags.AsyncRead | FuseInitFlags.BigWrites
            | FuseInitFlags.ParallelDirops | FuseInitFlags.MaxPages | FuseInitFlags.CacheSymlinks | FuseInitFlags.InitExt;
        if (options.AtomicOpenTruncate)
            wanted |= FuseInitFlags.AtomicOTrunc;
        if (options.HandleKillPrivV2)
            wanted |= FuseInitFlags.HandleKillprivV2;
        if (options.ReaddirPlus)
            wanted |= FuseInitFlags.DoReaddirPlus;
        if (options.ReaddirPlus && options.ReaddirPlusAuto)
            wanted |= FuseInitFlags.ReaddirPlusAuto;
        if (options.PosixAcl)
            wanted |= FuseInitFlags.PosixAcl | FuseInitFlags.DontMask;
        if (options.WritebackCache)
            wanted |= FuseInitFlags.WritebackCache;
        else if (options.Passthrough)
            wanted |= FuseInitFlags.Passthrough;
        if (options.AutoInvalidateData)
            wanted |= FuseInitFlags.AutoInvalData;
        if (options.RequestTimeout is not null)
            wanted |= FuseInitFlags.RequestTimeout;
        if ((offered & FuseInitFlags.OverIoUring) != 0 && ringsReady is not null && ringsReady())
            wanted |= FuseInitFlags.OverIoUring;
        FuseInitFlags granted = offered & wanted;
        if ((granted & FuseInitFlags.InitExt) == 0)
            granted &= (FuseInitFlags)0xFFFF_FFFFUL; // Without INIT_EXT the high word does not exist.

        ushort maxPages = (ushort)Math.Min(ushort.MaxValue, options.MaxWrite / 4096);
        output.Minor = Math.Min(FuseProtocol.Minor, input.Minor);
        output.MaxReadahead = input.MaxReadahead;
        output.Flags = (uint)((ulong)granted & 0xFFFF_FFFF);
        output.Flags2 = (uint)((ulong)granted >> 32);
        output.MaxBackground = 64;
        output.CongestionThreshold = 48;
        output.MaxWrite = (uint)options.MaxWrite;
        output.TimeGran = 1;
        output.MaxPages = (granted & FuseInitFlags.MaxPages) != 0 ? maxPages : (ushort)0;
        // Backing files must sit on a filesystem that is not itself stacked (ext4, xfs, tmpfs: depth 0); the mount
        // then counts as one level of stacking, and a kernel overlay may still be stacked on it.
        if ((granted & FuseInitFlags.Passthrough) != 0)
            output.MaxStackDepth = 1;
        if ((granted & FuseInitFlags.RequestTimeout) != 0)
            output.RequestTimeout = (ushort)Math.Clamp(Math.Ceiling(options.RequestTimeout!.Value.TotalSeconds), 1, ushort.MaxValue);

        var info = new FuseConnectionInfo
        {
            ProtocolMajor = output.Major,
            ProtocolMinor = output.Minor,
            KernelFlags = offered,
            Flags = granted,
            MaxWrite = output.MaxWrite,
            MaxReadahead = output.MaxReadahead,
            MaxPages = output.MaxPages,
            MaxBackground = output.MaxBackground,
            CongestionThreshold = output.CongestionThreshold,
            TimeGranularity = output.TimeGran,
        };
        fs.Init(info);
        Connection = info;
        Initialized.Set();
        return 0;
    }

    private int HandleBatchForget(ReadOnlySpan<byte> payload)
    {
        uint count = Take<FuseBatchForgetIn>(ref payload).Count;
        ReadOnlySpan<FuseForgetOne> forgets = MemoryMarshal.Cast<byte, FuseForgetOne>(payload);
        int n = (int)Math.Min(count, (uint)forgets.Length);
        for (int i = 0; i < n; i++)
            fs.Forget(forgets[i].NodeId, forgets[i].NLookup);
        return NoReply;
    }

    private int HandleWrite(in FuseRequestContext ctx, ulong node, ReadOnlySpan<byte> payload, Span<byte> body, ref int bodyLength)
    {
        ref readonly FuseWriteIn input = ref Take<FuseWriteIn>(ref payload);
        ReadOnlySpan<byte> data = payload[..(int)Math.Min(input.Size, (uint)payload.Length)];
        int r = fs.Write(in ctx, node, input.Fh, (long)input.Offset, data, input.WriteFlags, out int written);
        if (r < 0)
            return r;
        Place<FuseWriteOut>(body).Size = (uint)Math.Clamp(written, 0, data.Length);
        bodyLength = Unsafe.SizeOf<FuseWriteOut>();
        return 0;
    }

    // TMPFILE has CREATE's request and reply; the name it carries (the kernel's placeholder for the nameless
    // dentry) means nothing.
    private int HandleCreate(in FuseRequestContext ctx, ulong node, ReadOnlySpan<byte> payload, Span<byte> body, ref int bodyLength, bool tmpFile)
    {
        ref readonly FuseCreateIn input = ref Take<FuseCreateIn>(ref payload);
        ReadOnlySpan<byte> name = TakeName(ref payload);
        int entrySize = Unsafe.SizeOf<FuseEntryOut>();
        ref FuseEntryOut entry = ref Place<FuseEntryOut>(body);
        ref FuseOpenOut open = ref Place<FuseOpenOut>(body[entrySize..]);
        int r = tmpFile
            ? fs.TmpFile(in ctx, node, (int)input.Flags, input.Mode, input.Umask, ref entry, ref open)
            : fs.Create(in ctx, node, name, (int)input.Flags, input.Mode, input.Umask, ref entry, ref open);
        if (r >= 0)
            bodyLength = entrySize + Unsafe.SizeOf<FuseOpenOut>();
        return r;
    }

    /// <summary>
    /// COPY_FILE_RANGE answers with fuse_write_out, whose 32-bit count cannot hold more than 4 GiB, so a copy is
    /// cut to what it can report; COPY_FILE_RANGE_64 answers with a 64-bit count.
    /// </summary>
    private int HandleCopyFileRange(in FuseRequestContext ctx, ulong node, bool wide, ReadOnlySpan<byte> payload, Span<byte> body, ref int bodyLength)
    {
        ref readonly FuseCopyFileRangeIn input = ref Take<FuseCopyFileRangeIn>(ref payload);
        long length = (long)Math.Min(input.Length, (ulong)(wide ? long.MaxValue : CopyFileRange32Max));
        long r = fs.CopyFileRange(in ctx, node, input.FhIn, (long)input.OffsetIn, input.NodeIdOut, input.FhOut, (long)input.OffsetOut, length, input.Flags);
        if (r < 0)
            return r < -4095 ? -Errno.EIO : (int)r;
        if (wide)
        {
            Place<FuseCopyFileRangeOut>(body).BytesCopied = (ulong)r;
            bodyLength = Unsafe.SizeOf<FuseCopyFileRangeOut>();
        }
        else
        {
            Place<FuseWriteOut>(body).Size = (uint)Math.Min(r, CopyFileRange32Max);
            bodyLength = Unsafe.SizeOf<FuseWriteOut>();
        }
        return 0;
    }

    private static int EntryReply(int result, ref int bodyLength) => StructReply<FuseEntryOut>(result, ref bodyLength);

    private static int AttrReply(int result, ref int bodyLength) => StructReply<FuseAttrOut>(result, ref bodyLength);

    private static int OpenReply(int result, ref int bodyLength) => StructReply<FuseOpenOut>(result, ref bodyLength);

    private static int StructReply<T>(int result, ref int bodyLength)
        where T : unmanaged
    {
        if (result >= 0)
            bodyLength = Unsafe.SizeOf<T>();
        return result;
    }

    private static int DataReply(int result, int length, int capacity, ref int bodyLength)
    {
        if (result >= 0)
            bodyLength = Math.Clamp(length, 0, capacity);
        return result;
    }

    /// <summary>GETXATTR/LISTXATTR: size 0 asks only for the size; otherwise the data itself, or ERANGE.</summary>
    private static int XattrReply(int result, uint requested, int actual, Span<byte> body, int capacity, ref int bodyLength)
    {
        if (result < 0)
            return result;
        if (requested == 0)
        {
            Place<FuseGetXattrOut>(body).Size = (uint)Math.Max(0, actual);
            bodyLength = Unsafe.SizeOf<FuseGetXattrOut>();
            return 0;
        }
        if (actual > capacity)
            return -Errno.ERANGE;
        bodyLength = Math.Max(0, actual);
        return 0;
    }
}
