using System.Collections.Concurrent;
using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Handles;

/// <summary>
/// Handles opened read-only on a file while it was still in a lower layer. The kernel overlay checks at every
/// read whether its file has been copied up since it was opened and then reads the copy (ovl_real_fdget), so a
/// reader sees what a writer wrote through another descriptor. A handle here is the layer file's fd, so at
/// copy-up each such fd is pointed at the upper file in place (dup3 onto the same number): the kernel keeps its
/// handle, and reads never see the lower again. Additions and copy-ups run under the engine lock; a release of
/// a registered fd takes the lock too, so an fd number is never closed (and reused) while it is being moved.
/// </summary>
internal sealed class LowerHandles
{
    // The flags a reopened upper file must keep; creation flags and O_TRUNC made sense only at the first open.
    private const int KeptFlags = OpenFlags.O_ACCMODE | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_DIRECT | OpenFlags.O_NOATIME;

    private readonly ConcurrentDictionary<int, Node> _byFd = new();

    public void Add(int fd, Node node) => _byFd[fd] = node;

    /// <summary>Lock-free: whether a release must go through <see cref="Remove"/> under the engine lock.</summary>
    public bool Contains(int fd) => !_byFd.IsEmpty && _byFd.ContainsKey(fd);

    public void Remove(int fd) => _byFd.TryRemove(fd, out _);

    /// <summary>After the node was copied up: its lower read handles now read the upper file.</summary>
    public void MoveToUpper(Node node)
    {
        if (_byFd.IsEmpty)
            return;
        foreach (var (fd, owner) in _byFd)
        {
            if (owner != node)
                continue;
            int flags = Libc.fcntl(fd, FGetFl, 0);
            // A handle that cannot be moved keeps reading the lower copy, the same data as at copy-up time.
            if (flags >= 0 && FileOpener.OpenTop(node, flags & KeptFlags, out ulong upper) == 0)
            {
                Sys.Dup3((int)upper, fd);
                Sys.Close((int)upper);
            }
            _byFd.TryRemove(fd, out _);
        }
    }

    private const int FGetFl = 3;
}
