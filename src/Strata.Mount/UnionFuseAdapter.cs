using Strata.Fuse;
using Strata.Mount.Caching;
using Strata.Mount.Passthrough;
using Strata.Posix;
using Strata.Union;
using Strata.Union.Options;

namespace Strata.Mount;

/// <summary>
/// The FUSE front end: translates FUSE requests into calls on the union engine. Node ids are the engine's
/// own (its root is 1, FUSE_ROOT_ID), and file handles are the engine's, so nothing is mapped per request.
/// The kernel caches names (missing ones too) and attributes for <see cref="CacheTimeout"/> while the
/// engine watches every layer dir: what other processes change in the layers is then invalidated through
/// notifications (see <see cref="Caching.KernelCacheInvalidator"/>). Without the watch, nothing is cached, so a
/// change made directly in a layer dir shows at the next access.
/// </summary>
public sealed class UnionFuseAdapter : FuseFileSystem
{
    private readonly UnionFileSystem _union;
    private readonly ulong _cacheSeconds;
    private readonly MissFilter _misses = new();
    private readonly ListingAttributes _listings = new();
    private readonly PassthroughMode _passthrough;
    private FuseChannel? _channel;
    private BackingFiles? _backing;
    private bool _kernelMayOpenDirs;

    public UnionFuseAdapter(UnionFileSystem union, TimeSpan cacheTimeout = default, PassthroughMode passthrough = PassthroughMode.On)
    {
        _union = union;
        _cacheSeconds = (ulong)Math.Max(0, cacheTimeout.TotalSeconds);
        _passthrough = passthrough;
    }

    /// <summary>
    /// The session's channel, before the server starts: opens are then answered with passthrough backing files
    /// where the kernel grants FUSE_PASSTHROUGH.
    /// </summary>
    public void Connect(FuseChannel channel) => _channel = channel;

    /// <summary>True once INIT granted passthrough: regular files' data never reaches the server.</summary>
    public bool PassesThrough => _backing is not null;

    public override void Init(FuseConnectionInfo info)
    {
        _kernelMayOpenDirs = info.KernelFlags.HasFlag(FuseInitFlags.NoOpendirSupport);
        if (_channel is not null && _passthrough != PassthroughMode.Off && info.Flags.HasFlag(FuseInitFlags.Passthrough))
            _backing = new BackingFiles(_channel, _union, _passthrough);
    }

    /// <summary>How long the kernel may keep names and attributes, while the layers are watched.</summary>
    public TimeSpan CacheTimeout => TimeSpan.FromSeconds(_cacheSeconds);

    private ulong ValidSeconds => _union.ChangesAreWatched ? _cacheSeconds : 0;

    private static Caller CallerOf(in FuseRequestContext ctx) => new(ctx.Uid, ctx.Gid, (int)ctx.Pid);

    private int Entry(int result, ulong node, in StatX st, ref FuseEntryOut entry)
    {
        if (result < 0) return result;
        entry.NodeId = node;
        entry.Generation = 0;
        entry.EntryValid = AttrValidSeconds(st);
        entry.AttrValid = AttrValidSeconds(st);
        AttrConversion.ToFuse(st, ref entry.Attr);
        return 0;
    }

    private int Attr(int result, in StatX st, ref FuseAttrOut attr)
    {
        if (result < 0) return result;
        attr.AttrValid = AttrValidSeconds(st);
        AttrConversion.ToFuse(st, ref attr.Attr);
        return 0;
    }

    // Each name of a hard-linked file is a node of its own, so a change made through one name (a write, a
    // chmod, unlinking another name) would leave the others' cached attributes stale: those are not cached, nor
    // are their names (the kernel checks owner and mode for chmod, chown and ACL changes on the inode it holds,
    // without asking for attributes again, but a name looked up afresh brings them).
    private ulong AttrValidSeconds(in StatX st) => st.LinkCount > 1 && !st.IsDirectory ? 0 : ValidSeconds;

    public override int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry)
    {
        _listings.LookedUp(ctx.Pid, parent);
        int r = _union.Lookup(parent, name, out ulong node, out StatX st);
        if (r == -Errno.ENOENT && ValidSeconds > 0 && _misses.MissedBefore(parent, name))
        {
            // A negative entry (node id 0) the kernel may keep: no more lookups of a name searched for again
            // and again, until the watcher sees it appear in a layer.
            entry.EntryValid = ValidSeconds;
            return 0;
        }
        return Entry(r, node, st, ref entry);
    }

    public override void Forget(ulong nodeId, ulong nlookup) => _union.Forget(nodeId, nlookup);

    public override int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr)
    {
        int r = _union.GetAttr(nodeId, out StatX st);
        return Attr(r, st, ref attr);
    }

    public override int SetAttr(in FuseRequestContext ctx, ulong nodeId, in FuseSetAttrIn input, ref FuseAttrOut attr)
    {
        var change = SetAttrConversion.ToChange(input, (int)ctx.Pid);
        int r = _union.SetAttr(CallerOf(ctx), nodeId, change, out StatX st);
        return Attr(r, st, ref attr);
    }

    public override int ReadLink(in FuseRequestContext ctx, ulong nodeId, Span<byte> target, out int length)
    {
        int r = _union.ReadLink(nodeId, target);
        length = Math.Max(r, 0);
        return Math.Min(r, 0);
    }

    public override int MkNod(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, uint umask, ref FuseEntryOut entry)
    {
        ulong dev = FileType.MakeDev((rdev >> 8) & 0xfff, (rdev & 0xff) | ((rdev >> 12) & 0xfff00));
        int r = _union.MkNod(CallerOf(ctx) with { Umask = umask }, parent, name, mode, dev, out ulong node, out StatX st);
        return Entry(r, node, st, ref entry);
    }

    public override int MkDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint umask, ref FuseEntryOut entry)
    {
        int r = _union.MkDir(CallerOf(ctx) with { Umask = umask }, parent, name, mode, out ulong node, out StatX st);
        return Entry(r, node, st, ref entry);
    }

    public override int Unlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) =>
        _union.Unlink(CallerOf(ctx), parent, name);

    public override int RmDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) =>
        _union.RmDir(CallerOf(ctx), parent, name);

    public override int Symlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, ref FuseEntryOut entry)
    {
        int r = _union.Symlink(CallerOf(ctx), parent, name, target, out ulong node, out StatX st);
        return Entry(r, node, st, ref entry);
    }

    public override int Rename(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags) =>
        _union.Rename(CallerOf(ctx), parent, name, newParent, newName, flags);

    public override int Link(in FuseRequestContext ctx, ulong nodeId, ulong newParent, ReadOnlySpan<byte> newName, ref FuseEntryOut entry)
    {
        int r = _union.Link(CallerOf(ctx), nodeId, newParent, newName, out ulong node, out StatX st);
        return Entry(r, node, st, ref entry);
    }

    public override int Open(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open)
    {
        int r = _union.Open(CallerOf(ctx), nodeId, flags, out ulong handle);
        if (r < 0) return r;
        open.Fh = handle;
        return SetUpData(nodeId, ref open);
    }

    public override int Create(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open)
    {
        int r = _union.Create(CallerOf(ctx) with { Umask = umask }, parent, name, flags, mode, out ulong node, out StatX st, out ulong handle);
        return MadeAndOpened(r, node, st, handle, ref entry, ref open);
    }

    public override int TmpFile(in FuseRequestContext ctx, ulong parent, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open)
    {
        int r = _union.TmpFile(CallerOf(ctx) with { Umask = umask }, parent, flags, mode, out ulong node, out StatX st, out ulong handle);
        return MadeAndOpened(r, node, st, handle, ref entry, ref open);
    }

    // A file made and opened by one request (create, O_TMPFILE): its data set up as for an open; when that fails the
    // handle is closed and the node given back (a nameless one goes with it).
    private int MadeAndOpened(int r, ulong node, in StatX st, ulong handle, ref FuseEntryOut entry, ref FuseOpenOut open)
    {
        if (r < 0) return r;
        open.Fh = handle;
        r = SetUpData(node, ref open);
        if (r < 0)
        {
            _union.Forget(node, 1);
            return r;
        }
        return Entry(r, node, st, ref entry);
    }

    // How the opened file's data goes: through the layer file itself (passthrough), or through the server with
    // the page cache kept across opens while the watcher keeps it correct. (KEEP_CACHE with PASSTHROUGH fails
    // the open.)
    private int SetUpData(ulong node, ref FuseOpenOut open)
    {
        if (_backing is not null)
        {
            int r = _backing.Attach(node, ref open);
            if (r < 0)
            {
                _union.Release(open.Fh);
                return r;
            }
        }
        if ((open.OpenFlags & FuseOpenFlags.Passthrough) == 0 && ValidSeconds > 0)
            open.OpenFlags |= FuseOpenFlags.KeepCache;
        return 0;
    }

    public override int Read(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, Span<byte> buffer, out int bytesRead)
    {
        int r = _union.Read(fh, offset, buffer);
        bytesRead = Math.Max(r, 0);
        return Math.Min(r, 0);
    }

    public override int Write(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ReadOnlySpan<byte> data, uint writeFlags, out int bytesWritten)
    {
        bytesWritten = 0;
        // The one notice a direct-I/O write gets (the page-cache path sends an empty SETATTR first as well).
        if ((writeFlags & FuseProtocol.WriteKillSuidGid) != 0)
        {
            var kill = new AttrChange { Flags = AttrChangeFlags.KillSetId };
            int k = _union.SetAttr(CallerOf(ctx), nodeId, kill, out _);
            if (k < 0)
                return k;
        }
        int r = _union.Write(fh, offset, data);
        bytesWritten = Math.Max(r, 0);
        return Math.Min(r, 0);
    }


    public override int Release(in FuseRequestContext ctx, ulong nodeId, ulong fh, int flags)
    {
        int r = _union.Release(fh);
        _backing?.Detach(nodeId);
        return r;
    }

    public override int Fsync(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) => _union.Fsync(fh, dataOnly);

    public override int OpenDir(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open)
    {
        // While the layers are watched a dir needs no handle: ENOSYS has the kernel open dirs itself from now on, with
        // no OPENDIR or RELEASEDIR (two of the three requests a warm find made per dir), keeping its cache of the
        // listing as it would with our FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR. Reads then come with handle 0. The watcher
        // drops that cache when a layer dir changes, the kernel itself when the mount changes the dir.
        if (ValidSeconds > 0 && _kernelMayOpenDirs)
            return -Errno.ENOSYS;
        int r = _union.OpenDir(CallerOf(ctx), nodeId, out ulong handle);
        open.Fh = handle;
        if (ValidSeconds > 0)
            open.OpenFlags = FuseOpenFlags.CacheDir | FuseOpenFlags.KeepCache;
        return Math.Min(r, 0);
    }

    public override int ReadDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer)
    {
        int r = BeginListing(nodeId, fh, offset, out MergedDirectory listing);
        if (r < 0) return r;
        // Offsets are positions in the listing (the handle's, or the one the dir's readers share): entry i is followed
        // by offset i + 1.
        for (int i = (int)offset; i < listing.Count; i++)
        {
            if (!writer.TryAdd(listing.NameAt(i), listing.InodeAt(i), listing.TypeAt(i), i + 1))
                break;
        }
        EndListing(nodeId, fh, offset, listing);
        return 0;
    }

    public override int ReadDirPlus(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer)
    {
        int r = BeginListing(nodeId, fh, offset, out MergedDirectory listing);
        if (r < 0) return r;
        bool cached = ValidSeconds > 0;
        bool fill = cached && _listings.Fill(ctx.Pid, nodeId);
        int unattributed = 0;
        for (int i = (int)offset; i < listing.Count; i++)
        {
            ReadOnlySpan<byte> name = listing.NameAt(i);
            if (!writer.FitsPlus(name.Length))
                break;
            var entry = default(FuseEntryOut);
            uint type = listing.TypeAt(i);
            // Each entry with a node id counts as a lookup, so only when the kernel may keep it; never for "." and
            // "..", which the kernel does not take as lookups. A name gone since the listing goes without attributes,
            // and so do names other than dirs when this caller is not expected to look them up (ListingAttributes).
            bool dotOrDotDot = DirectoryEnumerator.IsDotOrDotDot(name);
            bool attributes = cached && !dotOrDotDot && (fill || type is FileType.DT_DIR or FileType.DT_UNKNOWN);
            if (!attributes || Entry(_union.Lookup(nodeId, name, out ulong node, out StatX st), node, st, ref entry) < 0)
            {
                entry = default;
                entry.Attr.Ino = listing.InodeAt(i);
                if (cached && !dotOrDotDot && !fill)
                    unattributed++;
            }
            writer.TryAddPlus(entry, name, type, i + 1);
        }
        EndListing(nodeId, fh, offset, listing);
        _listings.Unattributed(ctx.Pid, nodeId, unattributed);
        return 0;
    }

    // Handle 0: a dir the kernel opened itself (see OpenDir); handles of ours start at 1.
    private int BeginListing(ulong nodeId, ulong fh, long offset, out MergedDirectory listing) =>
        fh == 0 ? _union.ReadDirectory(nodeId, offset, out listing) : _union.ReadDir(fh, offset, out listing);

    private void EndListing(ulong nodeId, ulong fh, long offset, MergedDirectory listing)
    {
        if (fh != 0)
            return;
        bool pastEnd = offset >= listing.Count;
        // The layers went unwatched (a dir could not be marked) after the kernel began opening dirs itself: it would
        // keep this listing for good. Its pages dropped before it hears the end, it finds its cache gone at the next
        // open and reads the dir from here again.
        if (pastEnd && ValidSeconds == 0)
            _channel?.InvalidateInode(nodeId, 0, 0);
        _union.EndDirectoryRead(nodeId, listing, pastEnd);
    }

    public override int ReleaseDir(in FuseRequestContext ctx, ulong nodeId, ulong fh) => fh == 0 ? 0 : _union.ReleaseDir(fh);

    public override int FsyncDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) =>
        fh == 0 ? _union.FsyncDirectory(nodeId, dataOnly) : _union.FsyncDir(fh, dataOnly);

    public override int Fallocate(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, long length, int mode) =>
        _union.Fallocate(fh, mode, offset, length);

    public override long LSeek(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, int whence) =>
        _union.Seek(fh, offset, whence);

    public override long CopyFileRange(in FuseRequestContext ctx, ulong nodeIn, ulong fhIn, long offsetIn, ulong nodeOut, ulong fhOut, long offsetOut, long length, ulong flags)
    {
        long r = _union.CopyFileRange(fhIn, offsetIn, fhOut, offsetOut, length, (uint)Math.Min(flags, uint.MaxValue));
        // Layers on filesystems that cannot copy between each other: the kernel then copies by read and write.
        return r == -Errno.EXDEV ? -Errno.EOPNOTSUPP : r;
    }

    public override int StatFs(in FuseRequestContext ctx, ulong nodeId, ref FuseKStatfs statfs)
    {
        int r = _union.StatFs(out StatFs st);
        if (r < 0) return r;
        AttrConversion.ToFuse(st, ref statfs);
        return 0;
    }

    public override int GetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int size)
    {
        int r = _union.GetXattr(nodeId, name, value);
        size = Math.Max(r, 0);
        return Math.Min(r, 0);
    }

    public override int ListXattr(in FuseRequestContext ctx, ulong nodeId, Span<byte> list, out int size)
    {
        int r = _union.ListXattr(CallerOf(ctx), nodeId, list);
        size = Math.Max(r, 0);
        return Math.Min(r, 0);
    }

    public override int SetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags) =>
        _union.SetXattr(CallerOf(ctx), nodeId, name, value, flags);

    public override int RemoveXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name) =>
        _union.RemoveXattr(CallerOf(ctx), nodeId, name);
}
