using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Handles;

/// <summary>Opens a node's file: its top instance, after copy-up when it is opened for writing. The handle is the fd.</summary>
internal sealed class FileOpener(Engine engine)
{
    // Creation is done by Create; these flags make no sense when opening an existing layer file.
    private const int IgnoredFlags = OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY;

    public static bool WantsWrite(int flags) =>
        (flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0;

    public int Open(Node node, int flags, out ulong handle)
    {
        handle = 0;
        if (node.IsDirectory)
            return -Errno.EISDIR;
        // A fifo, socket or device is never copied up to be opened, even for writing (as ovl_open_need_copy_up):
        // what is written goes through the node, not into the layer.
        if (WantsWrite(flags) && FileType.IsRegular(node.Type))
        {
            if (engine.Layers.IsReadOnly)
                return -Errno.EROFS;
            int rc = engine.CopyUp.Ensure(node);
            if (rc < 0)
                return rc;
            return OpenTop(node, flags, out handle);
        }
        int opened = OpenTop(node, flags, out handle);
        if (opened == 0 && !engine.Layers.IsReadOnly && !engine.Layers.IsUpper(node.TopLayer))
            engine.LowerHandles.Add((int)handle, node);
        return opened;
    }

    public static int OpenTop(Node node, int flags, out ulong handle)
    {
        handle = 0;
        // A nameless file (an open of the caller's /proc/PID/fd link of it) is opened again through the server's own.
        if (node.Unnamed is { } unnamed)
            return Opened(Sys.Reopen(unnamed.Fd, flags & ~IgnoredFlags), out handle);
        int parentFd = node.ParentFd;
        if (parentFd < 0)
            return -Errno.ENOENT;
        return Opened(Sys.OpenAt(parentFd, node.Name, (flags & ~IgnoredFlags) | OpenFlags.O_NOFOLLOW), out handle);
    }

    private static int Opened(int fd, out ulong handle)
    {
        handle = 0;
        if (fd < 0)
            return fd;
        handle = (ulong)fd;
        return 0;
    }
}
