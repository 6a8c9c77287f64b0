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

    private const int FGetFl = 3;

    // Indexed by fd: fd numbers are small and dense, and an open then adds an entry without allocating (a map's
    // entry object per open was the one allocation left on the warm request path). Written under the engine lock;
    // a grown array is published whole, so the lock-free Contains sees either array.
    private Node?[] _byFd = new Node?[64];

    // Slots in use; lets release and copy-up skip the array while no lower file is open for reading.
    private int _count;

    // One past the highest fd registered since the array was last empty: how far copy-up has to look.
    private int _end;

    public void Add(int fd, Node node)
    {
        Node?[] slots = _byFd;
        if (fd >= slots.Length)
        {
            var grown = new Node?[Math.Max(slots.Length * 2, fd + 1)];
            slots.CopyTo(grown, 0);
            Volatile.Write(ref _byFd, grown);
            slots = grown;
        }
        if (slots[fd] is null)
            Volatile.Write(ref _count, _count + 1);
        Volatile.Write(ref slots[fd], node);
        _end = Math.Max(_end, fd + 1);
    }

    /// <summary>Lock-free: whether a release must go through <see cref="Remove"/> under the engine lock.</summary>
    public bool Contains(int fd)
    {
        if (Volatile.Read(ref _count) == 0)
            return false;
        Node?[] slots = Volatile.Read(ref _byFd);
        return (uint)fd < (uint)slots.Length && Volatile.Read(ref slots[fd]) is not null;
    }

    public void Remove(int fd)
    {
        Node?[] slots = _byFd;
        if ((uint)fd >= (uint)slots.Length || slots[fd] is null)
            return;
        Volatile.Write(ref slots[fd], null);
        Volatile.Write(ref _count, _count - 1);
        if (_count == 0)
            _end = 0;
    }

    /// <summary>After the node was copied up: its lower read handles now read the upper file.</summary>
    public void MoveToUpper(Node node)
    {
        Node?[] slots = _byFd;
        for (int fd = 0; fd < _end && _count > 0; fd++)
        {
            if (slots[fd] != node)
                continue;
            int flags = Libc.fcntl(fd, FGetFl, 0);
            // A handle that cannot be moved keeps reading the lower copy, the same data as at copy-up time.
            if (flags >= 0 && FileOpener.OpenTop(node, flags & KeptFlags, out ulong upper) == 0)
            {
                Sys.Dup3((int)upper, fd);
                Sys.Close((int)upper);
            }
            Remove(fd);
        }
    }
}
