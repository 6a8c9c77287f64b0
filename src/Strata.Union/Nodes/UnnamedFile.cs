using Sys = Strata.Posix.Posix;

namespace Strata.Union.Nodes;

/// <summary>
/// The upper file of a node that has no name (an O_TMPFILE not linked yet): with no parent and name to reach it
/// by, the node keeps a descriptor of its own (a second one of the open file, so that it outlives the kernel's
/// handle, whose RELEASE may come after the node's FORGET). Closed when the node goes or gets a name.
/// </summary>
internal sealed class UnnamedFile(int fd)
{
    public int Fd { get; private set; } = fd;

    public void Close()
    {
        if (Fd >= 0)
            Sys.Close(Fd);
        Fd = -1;
    }
}
