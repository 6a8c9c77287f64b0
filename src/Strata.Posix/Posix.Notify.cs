using System.Buffers.Binary;

namespace Strata.Posix;

/// <summary>fanotify, file handles, eventfd and poll as "result or negative errno" calls.</summary>
public static unsafe partial class Posix
{
    /// <summary>A fanotify group (the fd to read events from), read-only and close-on-exec.</summary>
    public static int FanotifyInit(uint flags) =>
        Errno.Check(Libc.fanotify_init(flags | Fanotify.FAN_CLOEXEC, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC));

    /// <summary>Adds or removes a mark on the inode an open fd refers to (no path is resolved).</summary>
    public static int FanotifyMark(int group, uint flags, ulong mask, int fd) =>
        Errno.Check(Libc.fanotify_mark(group, flags, mask, fd, null));

    /// <summary>
    /// The identity fanotify reports for the object an fd refers to: the filesystem id (as statfs gives it)
    /// followed by the struct file_handle (bytes, type, handle), exactly as an event's info record lays them
    /// out. Returns the length written to dest (at least 16 + MaxHandleSize bytes), or a negative errno.
    /// </summary>
    public static int FileIdentity(int fd, Span<byte> dest)
    {
        int rc = FStatFs(fd, out StatFs fs);
        if (rc < 0)
            return rc;
        BinaryPrimitives.WriteUInt64LittleEndian(dest, fs.FsId);
        Span<byte> handle = dest[8..];
        BinaryPrimitives.WriteUInt32LittleEndian(handle, Fanotify.MaxHandleSize);
        byte empty = 0;
        int mountId;
        fixed (byte* h = handle)
            rc = Errno.Check(Libc.name_to_handle_at(fd, &empty, h, &mountId, OpenFlags.AT_EMPTY_PATH));
        if (rc < 0)
            return rc;
        return 8 + 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(handle);
    }

    /// <summary>An eventfd (non-blocking, close-on-exec): a way to wake a thread that waits in poll.</summary>
    public static int EventFd() => Errno.Check(Libc.eventfd(0, 0x80000 /* EFD_CLOEXEC */ | 0x800 /* EFD_NONBLOCK */));

    /// <summary>Waits until one of two fds is readable; returns which (0 or 1) or a negative errno.</summary>
    public static int WaitReadable(int first, int second)
    {
        PollFd* fds = stackalloc PollFd[2];
        fds[0] = new PollFd { Fd = first, Events = 1 /* POLLIN */ };
        fds[1] = new PollFd { Fd = second, Events = 1 /* POLLIN */ };
        while (true)
        {
            int rc = Errno.Check(Libc.poll(fds, 2, -1));
            if (rc == -Errno.EINTR)
                continue;
            if (rc < 0)
                return rc;
            return fds[0].ReturnedEvents != 0 ? 0 : 1;
        }
    }
}
