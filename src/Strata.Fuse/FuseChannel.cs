using System.Runtime.InteropServices;
using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// What a filesystem may say to the kernel outside a reply: cache invalidations (for changes the kernel did not
/// make itself, such as files changed directly in a layer dir) and passthrough backing files. Safe to call
/// from any thread, but an invalidation of an entry must not be sent from inside a request on the same
/// directory: the kernel holds that directory's lock while it waits for the reply.
/// </summary>
public sealed unsafe class FuseChannel
{
    private const int OutHeaderSize = 16;
    private readonly int deviceFd;

    internal FuseChannel(int deviceFd)
    {
        this.deviceFd = deviceFd;
    }

    /// <summary>Drops the kernel's cached attributes of a node and its cached data in [offset, offset+length) (length 0: all, negative offset: attributes only).</summary>
    public int InvalidateInode(ulong nodeId, long offset = 0, long length = 0)
    {
        var body = new FuseNotifyInvalidateInodeOut { NodeId = nodeId, Offset = offset, Length = length };
        return Notify(FuseNotifyCode.InvalidateInode, MemoryMarshal.AsBytes(new ReadOnlySpan<FuseNotifyInvalidateInodeOut>(ref body)), ReadOnlySpan<byte>.Empty, withName: false);
    }

    /// <summary>Drops the kernel's cached entry (positive or negative) of a name in a directory.</summary>
    public int InvalidateEntry(ulong parent, ReadOnlySpan<byte> name)
    {
        var body = new FuseNotifyInvalidateEntryOut { Parent = parent, NameLength = (uint)name.Length };
        return Notify(FuseNotifyCode.InvalidateEntry, MemoryMarshal.AsBytes(new ReadOnlySpan<FuseNotifyInvalidateEntryOut>(ref body)), name, withName: true);
    }

    /// <summary>
    /// Marks the kernel's cached entry of a name as expired (FUSE_EXPIRE_ONLY, protocol 7.38): the next use
    /// looks it up again, and only if it then leads elsewhere is it dropped. Unlike <see cref="InvalidateEntry"/>
    /// it leaves a dir that is in use (a cwd, a mount point) where it is when nothing changed.
    /// </summary>
    public int ExpireEntry(ulong parent, ReadOnlySpan<byte> name)
    {
        var body = new FuseNotifyInvalidateEntryOut { Parent = parent, NameLength = (uint)name.Length, Flags = FuseProtocol.NotifyExpireOnly };
        return Notify(FuseNotifyCode.InvalidateEntry, MemoryMarshal.AsBytes(new ReadOnlySpan<FuseNotifyInvalidateEntryOut>(ref body)), name, withName: true);
    }

    /// <summary>Tells the kernel that a name of a directory, known as child, is gone (like an unlink it did itself).</summary>
    public int Delete(ulong parent, ulong child, ReadOnlySpan<byte> name)
    {
        var body = new FuseNotifyDeleteOut { Parent = parent, Child = child, NameLength = (uint)name.Length };
        return Notify(FuseNotifyCode.Delete, MemoryMarshal.AsBytes(new ReadOnlySpan<FuseNotifyDeleteOut>(ref body)), name, withName: true);
    }

    /// <summary>
    /// Registers an open file as the backing file of a passthrough open (needs CAP_SYS_ADMIN and a session
    /// with <see cref="FuseServerOptions.Passthrough"/>); returns the backing id or a negative errno.
    /// </summary>
    public int OpenBacking(int fd)
    {
        var map = new FuseBackingMap { Fd = fd };
        return Errno.Check(Libc.ioctl(deviceFd, FuseDeviceIoctl.BackingOpen, &map));
    }

    /// <summary>Releases a backing id; open files that use it keep their backing file.</summary>
    public int CloseBacking(int backingId)
    {
        uint id = (uint)backingId;
        return Errno.Check(Libc.ioctl(deviceFd, FuseDeviceIoctl.BackingClose, &id));
    }

    private int Notify(FuseNotifyCode code, ReadOnlySpan<byte> body, ReadOnlySpan<byte> name, bool withName)
    {
        if (name.Length > Posix.Posix.NameMax)
            return -Errno.ENAMETOOLONG;
        // Header, body, and for names the name with its NUL, as one write.
        int nameBytes = withName ? name.Length + 1 : 0;
        int length = OutHeaderSize + body.Length + nameBytes;
        Span<byte> message = stackalloc byte[length];
        ref FuseOutHeader header = ref MemoryMarshal.AsRef<FuseOutHeader>(message);
        header.Length = (uint)length;
        header.Error = (int)code;
        header.Unique = 0;
        body.CopyTo(message[OutHeaderSize..]);
        if (nameBytes > 0)
        {
            name.CopyTo(message[(OutHeaderSize + body.Length)..]);
            message[^1] = 0;
        }
        fixed (byte* p = message)
        {
            while (true)
            {
                long n = Errno.Check((long)Libc.write(deviceFd, p, (nuint)length));
                if (n != -Errno.EINTR) return n < 0 ? (int)n : 0;
            }
        }
    }
}
