using Strata.Posix;
using Strata.Union.Format;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Watching;

/// <summary>
/// Watches the layer dirs that nodes hold (fanotify inode marks, reporting the directory and entry name) and
/// turns what other processes change in them into "this name / this node may have changed" for a sink: what
/// lets a front end have the kernel cache names and attributes and still show direct changes to the layers.
/// Changes made by this process (the engine itself) are skipped: the kernel saw those go through the mount.
/// One thread reads the events; it takes the engine's lock only to map them to nodes.
/// </summary>
/// <remarks>
/// Most events on a busy mount are the engine's own (every create, chown or close it makes in the upper dir),
/// and waking this thread for each one cost the mount more than the work of skipping them: the wake-up lands on
/// the thread that made the change, and each read takes the lock the requests need. So after a read the thread
/// lets events gather for <see cref="Gather"/> before it looks again: a burst is read a millisecond's worth at a
/// time, while a change after a quiet spell still wakes it at once. A read of only the engine's own events is
/// skipped without the lock; for the others the thread takes the lock only when it is free (see
/// <see cref="EnterWhenFree"/>).
/// </remarks>
internal sealed class LayerWatcher : IDisposable
{
    private const int BufferSize = 64 * 1024;

    /// <summary>How long events gather between two reads: the most a change behind the union's back waits to be seen, beyond its read.</summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(1);

    private readonly Engine _engine;
    private readonly IUnionChangeSink _sink;
    private readonly int _group;
    private readonly int _wake;
    private readonly DirMarks _marks;
    private readonly int _ownPid = Environment.ProcessId;
    private readonly ChangeBatch _batch = new();
    private readonly Thread _thread;
    private bool _disposed;
    private long _reads;
    private long _events;

    private LayerWatcher(Engine engine, IUnionChangeSink sink, int group, int wake)
    {
        _engine = engine;
        _sink = sink;
        _group = group;
        _wake = wake;
        _marks = new DirMarks(group);
        _thread = new Thread(Run) { IsBackground = true, Name = "strata-layer-watcher" };
    }

    /// <summary>False once some layer dir could not be watched (so a change there could go unseen).</summary>
    public bool Complete => _marks.Complete;

    /// <summary>Events read so far (the engine's own included) and the reads they took.</summary>
    public WatchCounters Counters => new(Volatile.Read(ref _events), Volatile.Read(ref _reads));

    /// <summary>Starts watching every layer dir the nodes hold now and will hold; null where fanotify is not available.</summary>
    public static LayerWatcher? Start(Engine engine, IUnionChangeSink sink)
    {
        uint flags = Fanotify.FAN_CLASS_NOTIF | Fanotify.FAN_REPORT_DFID_NAME;
        // Privileged, nothing is ever dropped: no queue overflow to recover from, no mark limit.
        if (Sys.EffectiveUid() == 0)
            flags |= Fanotify.FAN_UNLIMITED_QUEUE | Fanotify.FAN_UNLIMITED_MARKS;
        int group = Sys.FanotifyInit(flags);
        if (group < 0)
            return null;
        int wake = Sys.EventFd();
        if (wake < 0)
        {
            Sys.Close(group);
            return null;
        }
        var watcher = new LayerWatcher(engine, sink, group, wake);
        lock (engine.Gate)
        {
            foreach (Node node in engine.Nodes.All)
            {
                foreach (DirInstance dir in node.Dirs)
                    watcher._marks.Added(node, dir);
            }
            engine.Nodes.Observer = watcher._marks;
        }
        watcher._thread.Start();
        return watcher;
    }

    private unsafe void Run()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
        while (true)
        {
            int ready = Sys.WaitReadable(_group, _wake);
            if (ready != 0)
                return; // Woken to stop, or poll failed: either way there is nothing more to read.
            int n = Sys.Read(_group, buffer);
            if (n == -Errno.EINTR || n == -Errno.EAGAIN)
                continue;
            if (n <= 0)
                return;
            _batch.Clear();
            ReadOnlySpan<byte> read = buffer.AsSpan(0, n);
            if (NeedsNodes(read, out int events))
            {
                EnterWhenFree();
                try
                {
                    Translate(read);
                }
                finally
                {
                    _engine.Gate.Exit();
                }
            }
            _batch.SendTo(_sink);
            Volatile.Write(ref _events, _events + events);
            Volatile.Write(ref _reads, _reads + 1);
            Thread.Sleep(Gather);
        }
    }

    // Whether any of the events is a change to map to nodes (not the engine's own, nor one without a dir); and how many there are.
    private bool NeedsNodes(ReadOnlySpan<byte> events, out int count)
    {
        count = 0;
        bool needed = false;
        var reader = new FanotifyEventReader(events);
        while (reader.MoveNext())
        {
            count++;
            needed |= (reader.Mask & Fanotify.FAN_Q_OVERFLOW) != 0 || !IsOwnOrDirless(reader);
        }
        return needed;
    }

    private bool IsOwnOrDirless(in FanotifyEventReader reader) => reader.Pid == _ownPid || reader.Directory.IsEmpty;

    // A request that holds the lock is on the hot path: were this thread waiting in Enter, the request's Exit would
    // have to wake it (a futex call and a context switch on the request's time, on each of a burst's reads). So the
    // lock is taken when it is free, looked at again after a gather's pause while it is not, and waited for only
    // after a few such looks (a change behind the union's back must not wait for a busy mount to go quiet).
    private void EnterWhenFree()
    {
        for (int look = 0; look < 8; look++)
        {
            if (_engine.Gate.TryEnter())
                return;
            Thread.Sleep(Gather);
        }
        _engine.Gate.Enter();
    }

    // Called with the engine's lock held.
    private void Translate(ReadOnlySpan<byte> events)
    {
        var reader = new FanotifyEventReader(events);
        while (reader.MoveNext())
        {
            if ((reader.Mask & Fanotify.FAN_Q_OVERFLOW) != 0)
            {
                EverythingChanged();
                continue;
            }
            if (IsOwnOrDirless(reader))
                continue;
            foreach (var (node, layer) in _marks.Holders(reader.Directory))
            {
                if (reader.IsSelf)
                    SelfChanged(node);
                else
                    EntryChanged(node, layer, reader.Name, reader.Mask);
            }
        }
    }

    // The dir itself changed (its attributes, or xattrs: an opaque mark, say) or went away: its merge may differ.
    private void SelfChanged(Node dir)
    {
        _batch.NodeChanged(dir.Id, data: true);
        if (dir.Parent is not null && dir.Attached)
            _batch.DirectoryChanged(dir.Parent.Id, dir.Name);
    }

    private void EntryChanged(Node dir, int layer, ReadOnlySpan<byte> name, ulong mask)
    {
        const ulong ContentEvents = Fanotify.FAN_MODIFY | Fanotify.FAN_CLOSE_WRITE;
        Node? child = _engine.Nodes.Find(dir, name);
        // Anything but a write may change what the name resolves to: an xattr can make an entry a whiteout
        // or a dir opaque, and a dir appearing in (or leaving) a layer changes what the dir merges.
        if ((mask & ~ContentEvents) != 0)
        {
            if (child is { IsDirectory: true })
                _batch.DirectoryChanged(dir.Id, name);
            else
                _batch.EntryChanged(dir.Id, name);
        }
        // A name came or went: the dir's listing (which the kernel may cache as the dir's data) and times changed.
        if ((mask & Fanotify.EntryEvents) != 0)
            _batch.NodeChanged(dir.Id, data: true);
        if (!_engine.Layers.IsUpper(layer) && OverlayFormat.IsOciMarkerName(name))
        {
            // OCI markers in a lower layer: ".wh..wh..opq" changes the dir's own merge, ".wh.NAME" hides NAME.
            if (name.SequenceEqual(OverlayFormat.OciOpaqueMarker))
                SelfChanged(dir);
            else
                HiddenNameChanged(dir, name[OverlayFormat.OciWhiteoutPrefix.Length..]);
        }
        // A dir's data is its listing, which changes with its merge.
        if (child is not null)
            _batch.NodeChanged(child.Id, data: child.IsDirectory || (mask & ContentEvents) != 0);
    }

    private void HiddenNameChanged(Node dir, ReadOnlySpan<byte> name)
    {
        if (_engine.Nodes.Find(dir, name) is { IsDirectory: true } hidden)
        {
            _batch.DirectoryChanged(dir.Id, name);
            _batch.NodeChanged(hidden.Id, data: true);
        }
        else
            _batch.EntryChanged(dir.Id, name);
        _batch.NodeChanged(dir.Id, data: true);
    }

    // The queue overflowed (only without privilege): any cached name or attribute may be stale.
    private void EverythingChanged()
    {
        foreach (Node node in _engine.Nodes.All)
        {
            _batch.NodeChanged(node.Id, data: true);
            if (node.Parent is not null && node.Attached)
                _batch.DirectoryChanged(node.Parent.Id, node.Name);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Span<byte> one = stackalloc byte[8];
        one[0] = 1;
        Sys.Write(_wake, one);
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(10)))
            return; // A sink stuck on a dead connection: leave the fds to the process rather than pull them from under it.
        lock (_engine.Gate)
            _engine.Nodes.Observer = null;
        // Closing the group drops all its marks.
        Sys.Close(_group);
        Sys.Close(_wake);
    }
}
