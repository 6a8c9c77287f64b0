namespace Strata.Union.Watching;

/// <summary>
/// Where the union reports what a front end that lets the kernel cache names and attributes must drop: changes
/// made to the layer dirs behind the union's back (by anyone but this process, seen by the layer watcher), and
/// attributes that one of its own operations changed on a node other than the one the operation was about.
/// </summary>
public interface IUnionChangeSink
{
    /// <summary>
    /// A copy-up (or a new hard link) changed the node's attributes (ctime, link count, inode number) in the
    /// middle of an operation. Called on the requesting thread with the engine's lock held: the implementation
    /// must not wait for any request to finish (dropping cached attributes is fine; dropping pages is not).
    /// </summary>
    void AttributesChanged(ulong node);

    /// <summary>
    /// An operation changed inode numbers the directory node lists, without changing the dir itself: a copy of a
    /// hard-linked file got the upper's number, or the dir moved to another parent (its ".."). Called like
    /// <see cref="AttributesChanged"/>, with the lock held; a dir's cached pages are its listing, which no request
    /// waits on, so dropping them is fine here.
    /// </summary>
    void ListingChanged(ulong directory);

    /// <summary>
    /// A hard link gave the file at this name another name: the kernel holds each name as an inode of its own (a
    /// node per name) and checks owner and mode on its cached copy, so the name must be looked up afresh at its
    /// next use. Called like <see cref="AttributesChanged"/>, with the lock held: the kernel takes the dir's lock
    /// for this, which the request being answered may hold, so the implementation must not wait for it.
    /// </summary>
    void OtherNameAdded(ulong parent, ReadOnlySpan<byte> name);

    // The two below come from the watcher's own thread, never with the engine's lock held: they may block.

    /// <summary>The name in this directory node may now resolve differently (or at all, or not any more).</summary>
    void EntryChanged(ulong parent, ReadOnlySpan<byte> name);

    /// <summary>
    /// The directory at this name may merge other layer dirs now (it became opaque, or a layer gained or lost
    /// it): whatever is cached below it may be stale, not only the name itself.
    /// </summary>
    void DirectoryChanged(ulong parent, ReadOnlySpan<byte> name);

    /// <summary>The node's attributes may have changed; with <paramref name="data"/>, its contents too.</summary>
    void NodeChanged(ulong node, bool data);
}
