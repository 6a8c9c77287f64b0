using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Strata.Fuse;
using Strata.Posix;
using Strata.Union;
using Strata.Union.Options;

namespace Strata.Mount.Passthrough;

/// <summary>
/// FUSE passthrough for the mount's regular files: each open is answered with a backing file, the layer file
/// itself, so that reads, writes and mmap go from the kernel straight to it and never reach the server. The
/// kernel allows one backing file per inode at a time (a second, different one fails the open), so a node's
/// backing file is registered at its first open and shared by every open until the last is released.
/// A node whose top file moved to the upper layer since (copied up by a write open while read-only opens of
/// the lower file were still running, or by a chmod) cannot get the upper file as its backing: that open is
/// answered ESTALE after the node's name is detached, and the kernel, which retries an open that fails so once
/// with a fresh lookup, then opens a new node whose backing file is the upper one. Opens made before keep
/// reading the lower file (as they would on kernel overlayfs before 4.19). A node whose opens go through the
/// server (the kernel refused the backing file, or passthrough=upper keeps lower files out) stays so until its
/// last open is released: the engine's fds follow a copy-up, and the kernel does not let plain and
/// passthrough opens of one inode mix.
/// </summary>
internal sealed class BackingFiles(FuseChannel channel, UnionFileSystem union, PassthroughMode mode)
{
    private readonly Dictionary<ulong, Backing> _byNode = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// Sets up an open of the node (already opened by the engine) for passthrough: 0, with the reply's flags
    /// and backing id set, or a plain open where the kernel refuses the backing file; -ESTALE when the kernel
    /// must look the name up again first.
    /// </summary>
    public int Attach(ulong node, ref FuseOpenOut open)
    {
        lock (_lock)
        {
            ref Backing backing = ref CollectionsMarshal.GetValueRefOrAddDefault(_byNode, node, out bool exists);
            if (!exists)
                backing = Register(node, (int)open.Fh);
            else if (backing.Id >= 0 && backing.Layer != union.TopLayerOf(node))
            {
                union.DetachName(node);
                return -Errno.ESTALE;
            }
            backing.Opens++;
            if (backing.Id >= 0)
            {
                open.OpenFlags |= FuseOpenFlags.Passthrough;
                open.BackingId = backing.Id;
            }
            return 0;
        }
    }

    /// <summary>One open of the node was released; the last one gives its backing file back.</summary>
    public void Detach(ulong node)
    {
        lock (_lock)
        {
            ref Backing backing = ref CollectionsMarshal.GetValueRefOrNullRef(_byNode, node);
            if (Unsafe.IsNullRef(ref backing) || --backing.Opens > 0)
                return;
            if (backing.Id >= 0)
                channel.CloseBacking(backing.Id);
            _byNode.Remove(node);
        }
    }

    // Plain opens (the engine's fds follow a copy-up) for the lower files passthrough=upper keeps out.
    private Backing Register(ulong node, int handle)
    {
        int top = union.TopLayerOf(node);
        if (mode == PassthroughMode.Upper && (union.IsReadOnly || top != 0))
            return new Backing { Id = -1, Layer = top };
        // The kernel takes only a path and the server's credentials from the file it is given (each open gets a
        // backing file of its own, made with that open's flags), so the open's own fd serves where it names the
        // top file for good: an upper file, or any file of a read-only union. A lower file's fd in a writable
        // union may be moved to the copy by a copy-up at any moment, so that one gets an fd of its own.
        if (top == 0 || (top > 0 && union.IsReadOnly))
            return new Backing { Id = Math.Max(channel.OpenBacking(handle), -1), Layer = top };
        int rc = union.OpenLayerFile(node, out int fd, out int layer);
        if (rc < 0)
            return new Backing { Id = -1, Layer = union.TopLayerOf(node) };
        // The kernel holds the file from here on; the id is what opens name it by.
        int id = channel.OpenBacking(fd);
        Posix.Posix.Close(fd);
        return new Backing { Id = Math.Max(id, -1), Layer = layer };
    }

    /// <summary>A node's backing file: its id (-1: plain opens, the kernel refused it), the layer it is from, and the opens using it.</summary>
    private struct Backing
    {
        public int Id;
        public int Layer;
        public int Opens;
    }
}
