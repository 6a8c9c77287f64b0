using Strata.Posix;
using Strata.Union.Handles;
using Strata.Union.Lookup;
using Strata.Union.Nodes;
using Strata.Union.Operations;
using Strata.Union.Options;
using Strata.Union.Watching;
using Sys = Strata.Posix.Posix;

namespace Strata.Union;

/// <summary>
/// The union engine's inode-level API (no FUSE in here): a facade over the lookup, node table, copy-up,
/// create/remove/rename, xattr and handle components. Every call returns 0 (or a count) or a negative
/// errno. Node ids are the engine's own; the root is <see cref="RootId"/>. Thread-safe: one lock around
/// everything that reads or changes the namespace; reads and writes of open files go without it.
/// </summary>
public sealed class UnionFileSystem : IDisposable
{
    public const ulong RootId = 1;

    private readonly Engine _engine;
    private readonly ObjectCreator _creator;
    private readonly TmpFileCreator _tmpFiles;
    private readonly Remover _remover;
    private readonly Renamer _renamer;
    private readonly AttributeChanger _attributes;
    private readonly XattrAccess _xattrs;
    private readonly FileOpener _files;
    private readonly ImpureListing _impure;
    private readonly DirectoryHandles _dirHandles = new();
    private readonly SharedListings _sharedListings;
    private LayerWatcher? _watcher;
    private bool _disposed;

    /// <summary>Serves the union of these layers; takes ownership of them. Features default to the kernel's defaults.</summary>
    public UnionFileSystem(LayerStack layers, OverlayFeatures? features = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _engine = new Engine(layers, features ?? OverlayFeatures.Default);
        _creator = new ObjectCreator(_engine);
        _tmpFiles = new TmpFileCreator(_engine, _creator);
        _remover = new Remover(_engine);
        _renamer = new Renamer(_engine);
        _attributes = new AttributeChanger(_engine);
        _xattrs = new XattrAccess(_engine);
        _files = new FileOpener(_engine);
        _impure = new ImpureListing(_engine);
        _sharedListings = new SharedListings(_engine.Merge);
    }

    public bool IsReadOnly => _engine.Layers.IsReadOnly;

    /// <summary>
    /// Starts watching the layer dirs for changes made behind the union's back (by any other process) and
    /// reports them to <paramref name="sink"/>. False where the kernel offers no fanotify (then nothing that
    /// depends on it may be cached).
    /// </summary>
    public bool WatchLayers(IUnionChangeSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_watcher is not null)
            throw new InvalidOperationException("The layers are watched already.");
        lock (_engine.Gate)
            _engine.CopyUp.Changes = sink;
        _watcher = LayerWatcher.Start(_engine, sink);
        return _watcher is not null;
    }

    /// <summary>
    /// True while every layer dir the union holds is watched: what a front end caches about names and
    /// attributes is then kept correct by the sink. False before <see cref="WatchLayers"/>, and for good once a
    /// dir could not be watched.
    /// </summary>
    public bool ChangesAreWatched => _watcher is { Complete: true };

    /// <summary>What the layer watcher has read so far; zeros while the layers are not watched.</summary>
    public WatchCounters WatchCounters => _watcher?.Counters ?? default;

    // ---- names ----

    public int Lookup(ulong parent, ReadOnlySpan<byte> name, out ulong node, out StatX attr)
    {
        node = 0;
        attr = default;
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node dir);
            return rc < 0 ? rc : _engine.LookupAndInstall(dir, name, out node, out attr);
        }
    }

    public void Forget(ulong node, ulong count)
    {
        lock (_engine.Gate)
            _engine.Nodes.Forget(node, count);
    }

    public int GetAttr(ulong node, out StatX attr)
    {
        attr = default;
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : _engine.Stat(n, out attr);
        }
    }

    public int SetAttr(in Caller caller, ulong node, in AttrChange change, out StatX attr)
    {
        attr = default;
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            if (rc >= 0)
                rc = _attributes.Change(caller, n, change);
            return rc < 0 ? rc : _engine.Stat(n, out attr);
        }
    }

    public int ReadLink(ulong node, Span<byte> buffer)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            if (rc < 0)
                return rc;
            if (n.Type != FileType.S_IFLNK)
                return -Errno.EINVAL;
            int parentFd = n.ParentFd;
            return parentFd < 0 ? -Errno.ENOENT : Sys.ReadLinkAt(parentFd, n.Name, buffer);
        }
    }

    // ---- creating ----

    public int Create(in Caller caller, ulong parent, ReadOnlySpan<byte> name, int flags, uint mode,
        out ulong node, out StatX attr, out ulong handle)
    {
        node = 0;
        attr = default;
        handle = 0;
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node dir);
            if (rc < 0)
                return rc;
            rc = _creator.CreateFile(caller, dir, name, mode, flags, out int fd, out attr);
            if (rc == -Errno.EEXIST && (flags & OpenFlags.O_EXCL) == 0)
            {
                // O_CREAT without O_EXCL on an existing file is a plain open.
                rc = _engine.LookupAndInstall(dir, name, out node, out attr);
                if (rc < 0)
                    return rc;
                rc = _files.Open(_engine.Nodes.Get(node)!, flags, out handle);
                if (rc < 0)
                    _engine.Nodes.Forget(node, 1);
                return rc;
            }
            if (rc < 0)
                return rc;
            // What the name now is, known without looking it up again: a regular file in the upper dir.
            var created = new Resolution { Found = true, Type = FileType.S_IFREG, TopLayer = 0, Stat = attr };
            Node made = _engine.Nodes.Install(dir, name, ref created);
            made.Identity = _engine.Inodes.OfNewUpperFile(attr);
            attr.Inode = made.Identity.Number;
            node = made.Id;
            handle = (ulong)fd;
            return 0;
        }
    }

    /// <summary>
    /// open(O_TMPFILE) in the dir: a regular file without a name, open with the caller's flags, its node counting one
    /// lookup; <see cref="Link"/> gives it a name (unless opened with O_EXCL), else it goes when forgotten.
    /// </summary>
    public int TmpFile(in Caller caller, ulong parent, int flags, uint mode, out ulong node, out StatX attr, out ulong handle)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node dir);
            if (rc >= 0)
                return _tmpFiles.Create(caller, dir, mode, flags, out node, out attr, out handle);
            (node, attr, handle) = (0, default, 0);
            return rc;
        }
    }

    public int MkDir(in Caller caller, ulong parent, ReadOnlySpan<byte> name, uint mode, out ulong node, out StatX attr) =>
        Make(caller, parent, name, ObjectKind.Directory, mode, 0, [], 0, out node, out attr);

    public int MkNod(in Caller caller, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong rdev, out ulong node, out StatX attr) =>
        Make(caller, parent, name, ObjectKind.Device, mode, rdev, [], 0, out node, out attr);

    public int Symlink(in Caller caller, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, out ulong node, out StatX attr) =>
        Make(caller, parent, name, ObjectKind.Symlink, 0x1FF /* 0777 */, 0, target, 0, out node, out attr);

    public int Link(in Caller caller, ulong node, ulong newParent, ReadOnlySpan<byte> newName, out ulong newNode, out StatX attr) =>
        Make(caller, newParent, newName, ObjectKind.HardLink, 0, 0, [], node, out newNode, out attr);

    private int Make(in Caller caller, ulong parent, ReadOnlySpan<byte> name, ObjectKind kind, uint mode, ulong rdev,
        ReadOnlySpan<byte> target, ulong linkSource, out ulong node, out StatX attr)
    {
        node = 0;
        attr = default;
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node dir);
            if (rc < 0)
                return rc;
            Node? source = null;
            if (kind == ObjectKind.HardLink)
            {
                rc = _engine.GetNode(linkSource, out source);
                if (rc < 0)
                    return rc;
                if (source.IsDirectory)
                    return -Errno.EPERM;
                if (IsReadOnly)
                    return -Errno.EROFS;
                // Link of a lower file: copy it up first, then link in the upper dir.
                rc = _engine.CopyUp.Ensure(source);
                if (rc < 0)
                    return rc;
            }
            rc = _creator.Make(caller, dir, name, kind, mode, rdev, target, source);
            if (rc < 0)
                return rc;
            // The source's link count went up, and its name must be looked up again to see later changes made
            // through the new one.
            if (source is not null)
            {
                _engine.CopyUp.Changes?.AttributesChanged(source.Id);
                if (source.Parent is { } sourceParent)
                    _engine.CopyUp.Changes?.OtherNameAdded(sourceParent.Id, source.Name);
            }
            // A nameless file's first name: its node takes it (the kernel's inode is the same one too).
            if (source?.Unnamed is not null)
                _engine.Nodes.Name(source, dir, name);
            return _engine.LookupAndInstall(dir, name, out node, out attr);
        }
    }

    // ---- removing and renaming ----

    public int Unlink(in Caller caller, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, directory: false);

    public int RmDir(in Caller caller, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, directory: true);

    private int Remove(ulong parent, ReadOnlySpan<byte> name, bool directory)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node dir);
            return rc < 0 ? rc : _remover.Remove(dir, name, directory);
        }
    }

    public int Rename(in Caller caller, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(parent, out Node from);
            if (rc >= 0)
                rc = _engine.GetDirectory(newParent, out Node to);
            return rc < 0 ? rc : _renamer.Rename(from, name, _engine.Nodes.Get(newParent)!, newName, flags);
        }
    }

    // ---- files ----

    public int Open(in Caller caller, ulong node, int flags, out ulong handle)
    {
        handle = 0;
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : _files.Open(n, flags, out handle);
        }
    }

    /// <summary>
    /// A read-only fd of the node's top-most file for a front end that hands the layer file itself to the kernel
    /// (FUSE passthrough, which takes only the file's path and the server's credentials from it: each open gets a
    /// backing file of its own, with that open's flags). <paramref name="layer"/> says which layer it is in; the
    /// caller closes the fd.
    /// </summary>
    public int OpenLayerFile(ulong node, out int fd, out int layer)
    {
        fd = -1;
        layer = -1;
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            if (rc < 0)
                return rc;
            if (n.Type != FileType.S_IFREG)
                return -Errno.EINVAL;
            layer = n.TopLayer;
            rc = FileOpener.OpenTop(n, OpenFlags.O_RDONLY, out ulong handle);
            fd = (int)handle;
            return rc;
        }
    }

    /// <summary>The layer of the node's top-most instance (0 is the upper when there is one), or a negative errno.</summary>
    public int TopLayerOf(ulong node)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : n.TopLayer;
        }
    }

    /// <summary>
    /// From the next lookup on, the node's name leads to a new node; this one keeps serving whoever holds it until
    /// forgotten. For a front end that set something up for the node's old top file (a passthrough backing
    /// file) that must not serve the new one.
    /// </summary>
    public void DetachName(ulong node)
    {
        lock (_engine.Gate)
        {
            if (_engine.GetNode(node, out Node n) == 0)
                _engine.Nodes.Detach(n);
        }
    }

    // The layer file keeps the caller's open flags, O_DIRECT included, as the kernel overlay's real file does.
    public int Read(ulong handle, long offset, Span<byte> buffer) => Sys.PReadAnyBuffer((int)handle, buffer, offset);

    public int Write(ulong handle, long offset, ReadOnlySpan<byte> data) => Sys.PWriteAnyBuffer((int)handle, data, offset);

    /// <summary>
    /// read(2) and write(2) at the handle's own position, for a fifo or device opened in-process: they cannot seek
    /// (pread is ESPIPE). A mount never needs them (the kernel serves special files itself, FUSE never opens them).
    /// </summary>
    public int ReadStream(ulong handle, Span<byte> buffer) => Sys.Read((int)handle, buffer);

    public int WriteStream(ulong handle, ReadOnlySpan<byte> data) => Sys.Write((int)handle, data);

    /// <summary>fsync of the handle's layer file; nothing on a volatile mount.</summary>
    public int Fsync(ulong handle, bool dataOnly) => _engine.Layers.SyncUpper((int)handle, dataOnly);

    public int Release(ulong handle)
    {
        int fd = (int)handle;
        if (!_engine.LowerHandles.Contains(fd))
            return Sys.Close(fd);
        // A copy-up may be moving this very fd: close it only under the lock, so its number is not reused meanwhile.
        lock (_engine.Gate)
        {
            _engine.LowerHandles.Remove(fd);
            return Sys.Close(fd);
        }
    }

    /// <summary>
    /// fallocate on an open file, any mode the layer's filesystem has. The handle was opened for writing, so the
    /// file is in the upper dir already (copied up at open), as the kernel overlay's real file is.
    /// </summary>
    public int Fallocate(ulong handle, int mode, long offset, long length) => Sys.FAllocate((int)handle, mode, offset, length);

    /// <summary>lseek of SEEK_DATA/SEEK_HOLE (and the others): the layer file's answer, which knows its holes.</summary>
    public long Seek(ulong handle, long offset, int whence) => Sys.LSeek((int)handle, offset, whence);

    /// <summary>
    /// copy_file_range between two open files of the union: between their layer files (a lower file may be the
    /// source; the destination was opened for writing, so it is upper), which reflinks where the filesystem can.
    /// Returns the bytes copied or a negative errno (EXDEV when the layers are on filesystems that cannot copy
    /// between them).
    /// </summary>
    public long CopyFileRange(ulong handleIn, long offsetIn, ulong handleOut, long offsetOut, long length, uint flags) =>
        flags != 0 ? -Errno.EINVAL : Sys.CopyFileRange((int)handleIn, offsetIn, (int)handleOut, offsetOut, length);

    // ---- directories ----

    public int OpenDir(in Caller caller, ulong node, out ulong handle)
    {
        handle = 0;
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(node, out Node dir);
            if (rc < 0)
                return rc;
            // The listing is built by the first read: a kernel that serves this open from its own cache of the
            // dir never asks for one.
            handle = _dirHandles.Add(dir);
            return 0;
        }
    }

    public int ReadDir(ulong handle, long offset, out MergedDirectory listing)
    {
        listing = null!;
        lock (_engine.Gate)
        {
            DirectoryHandle? open = _dirHandles.Get(handle);
            if (open is null)
                return -Errno.EBADF;
            if (offset == 0 || open.Listing is null)
            {
                // The first read, or rewinddir: a fresh listing, so that changes since the last one show up.
                if (open.Node.Dropped)
                    return -Errno.ENOENT;
                int rc = BuildListing(open.Node, out MergedDirectory? rebuilt);
                if (rc < 0)
                {
                    if (rebuilt is not null)
                        _engine.Merge.Return(rebuilt);
                    return rc;
                }
                if (open.Listing is not null)
                    _engine.Merge.Return(open.Listing);
                open.Listing = rebuilt!;
            }
            listing = open.Listing;
            return 0;
        }
    }

    /// <summary>
    /// A read of a dir without an open handle (a FUSE kernel that opens dirs itself): offset 0 lists the dir afresh,
    /// a later offset reads on in the listing its last offset 0 made, which the dir's readers share. Give the listing
    /// back with <see cref="EndDirectoryRead"/>.
    /// </summary>
    public int ReadDirectory(ulong node, long offset, out MergedDirectory listing)
    {
        listing = null!;
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(node, out Node dir);
            if (rc < 0)
                return rc;
            MergedDirectory? current = offset == 0 ? null : _sharedListings.Current(dir);
            if (current is null)
            {
                rc = BuildListing(dir, out current);
                if (rc < 0)
                {
                    if (current is not null)
                        _engine.Merge.Return(current);
                    return rc;
                }
                _sharedListings.Replace(dir, current!);
            }
            SharedListings.Acquire(current!);
            listing = current!;
            return 0;
        }
    }

    /// <summary>The reader of <see cref="ReadDirectory"/> is done with the listing; <paramref name="pastEnd"/>: it found nothing left in it.</summary>
    public void EndDirectoryRead(ulong node, MergedDirectory listing, bool pastEnd)
    {
        lock (_engine.Gate)
            _sharedListings.Release(node, listing, pastEnd);
    }

    /// <summary>fsync of an open directory: its upper instance, where changes are made (nothing on a volatile mount); a lower-only dir has nothing to sync.</summary>
    public int FsyncDir(ulong handle, bool dataOnly)
    {
        lock (_engine.Gate)
        {
            DirectoryHandle? open = _dirHandles.Get(handle);
            return open is null ? -Errno.EBADF : SyncDirectory(open.Node, dataOnly);
        }
    }

    /// <summary>fsync of a directory opened without a handle (see <see cref="ReadDirectory"/>).</summary>
    public int FsyncDirectory(ulong node, bool dataOnly)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetDirectory(node, out Node dir);
            return rc < 0 ? rc : SyncDirectory(dir, dataOnly);
        }
    }

    private int SyncDirectory(Node dir, bool dataOnly) =>
        dir.Dirs.Length > 0 && _engine.Layers.IsUpper(dir.Dirs[0].Layer) ? _engine.Layers.SyncUpper(dir.Dirs[0].Fd, dataOnly) : 0;

    public int ReleaseDir(ulong handle)
    {
        lock (_engine.Gate)
        {
            DirectoryHandle? open = _dirHandles.Remove(handle);
            if (open is null)
                return -Errno.EBADF;
            if (open.Listing is not null)
                _engine.Merge.Return(open.Listing);
            open.Listing = null;
            return 0;
        }
    }

    /// <summary>The node's listing; on failure, null or a listing to give back.</summary>
    private int BuildListing(Node dir, out MergedDirectory? listing)
    {
        listing = null;
        int rc = _engine.Stat(dir, out StatX self);
        if (rc < 0)
            return rc;
        ulong parentInode = dir.Parent is null ? _engine.Inodes.OfRootParent(dir) : self.Inode;
        if (dir.Parent is not null && _engine.Stat(dir.Parent, out StatX parent) == 0)
            parentInode = parent.Inode;
        // Entries of an impure upper dir may carry a lower object's number (copied up, or merged dirs).
        UpperEntryInode? impure = _impure.For(dir);
        rc = _engine.Merge.Build(dir.Dirs, self.Inode, parentInode, impure, out MergedDirectory built);
        listing = built;
        if (rc >= 0)
            _impure.DropMarkIfUnneeded();
        return rc;
    }

    // ---- filesystem and xattrs ----

    public int StatFs(out StatFs stat)
    {
        // The upper's filesystem when there is one (index 0), else the top lower.
        int rc = Sys.FStatFs(_engine.Layers.RootFd(0), out stat);
        stat.NameMax = Sys.NameMax;
        return rc;
    }

    public int GetXattr(ulong node, ReadOnlySpan<byte> name, Span<byte> value)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : XattrAccess.Get(n, name, value);
        }
    }

    public int ListXattr(in Caller caller, ulong node, Span<byte> list)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : XattrAccess.List(n, list, caller.SeesTrustedXattrs);
        }
    }

    public int SetXattr(in Caller caller, ulong node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : _xattrs.Set(caller, n, name, value, flags);
        }
    }

    public int RemoveXattr(in Caller caller, ulong node, ReadOnlySpan<byte> name)
    {
        lock (_engine.Gate)
        {
            int rc = _engine.GetNode(node, out Node n);
            return rc < 0 ? rc : _xattrs.Remove(caller, n, name);
        }
    }

    public void Dispose()
    {
        // Outside the lock: the watcher's thread may be waiting for it.
        _watcher?.Dispose();
        lock (_engine.Gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _engine.Dispose();
        }
    }
}
