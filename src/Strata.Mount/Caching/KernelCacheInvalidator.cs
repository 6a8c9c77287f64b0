using Strata.Fuse;
using Strata.Union.Watching;

namespace Strata.Mount.Caching;

/// <summary>
/// Turns what the layer watcher saw change behind the mount's back into FUSE notifications: the kernel's
/// cached entry is expired (looked up again at its next use; kept if it still leads to the same node), or for
/// a directory whose merge changed dropped with everything below it; cached attributes and pages dropped. A
/// node or name the kernel does not hold answers ENOENT, which is fine: then nothing was cached.
/// </summary>
internal sealed class KernelCacheInvalidator(FuseChannel channel) : IUnionChangeSink
{
    public void AttributesChanged(ulong node) => channel.InvalidateInode(node, -1, 0);

    // Offset 0 drops the dir's pages: its cached listing.
    public void ListingChanged(ulong directory) => channel.InvalidateInode(directory, 0, 0);

    public void EntryChanged(ulong parent, ReadOnlySpan<byte> name) => channel.ExpireEntry(parent, name);

    // Off the requesting thread: the kernel waits for the dir's lock, which the LINK being answered holds.
    public void OtherNameAdded(ulong parent, ReadOnlySpan<byte> name)
    {
        byte[] copy = name.ToArray();
        ThreadPool.UnsafeQueueUserWorkItem(_ => channel.ExpireEntry(parent, copy), null);
    }

    // Dropping the entry drops the kernel's whole subtree below it, negative entries included.
    public void DirectoryChanged(ulong parent, ReadOnlySpan<byte> name) => channel.InvalidateEntry(parent, name);

    // A negative offset drops attributes only: pages stay when only metadata changed.
    public void NodeChanged(ulong node, bool data) => channel.InvalidateInode(node, data ? 0 : -1, 0);
}
