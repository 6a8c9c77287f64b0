using Strata.Fuse;
using Strata.Mount.Caching;
using Strata.Mount.Stats;
using Strata.Posix;
using Strata.Union;
using Strata.Union.Options;
using Strata.Union.Watching;

namespace Strata.Mount;

/// <summary>
/// A live union mount in this process: checks the configuration, opens the layers, mounts /dev/fuse on the
/// mount point and serves it with the union engine until it is unmounted.
/// </summary>
public sealed class OverlayMount : IDisposable
{
    /// <summary>How long the kernel keeps names and attributes (the watcher invalidates them when the layers change).</summary>
    private static readonly TimeSpan CacheTimeout = TimeSpan.FromHours(1);

    private readonly FuseMount _fuse;
    private readonly FuseServer _server;
    private readonly UnionFileSystem _union;
    private StatsEndpoint? _stats;

    private OverlayMount(string mountPoint, FuseMount fuse, FuseServer server, UnionFileSystem union)
    {
        MountPoint = mountPoint;
        _fuse = fuse;
        _server = server;
        _union = union;
    }

    public string MountPoint { get; }

    /// <summary>
    /// Mounts and starts serving; returns once the mount answers (the kernel's INIT is done). Throws
    /// <see cref="OverlayConfigException"/>, <see cref="LayerStackException"/> or <see cref="FuseMountException"/>
    /// with nothing mounted and nothing written to the layers.
    /// </summary>
    public static OverlayMount Start(OverlayOptions options, string mountPoint, TextWriter? debugLog = null)
    {
        mountPoint = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        MountValidator.Validate(options);
        MountPointCheck.Check(mountPoint);
        Posix.Posix.RaiseOpenFileLimit();

        var union = new UnionFileSystem(LayerStack.Open(options.LowerDirs, options.UpperDir, options.WorkDir, options.Volatile), options.Features);
        FuseMount fuse;
        try
        {
            fuse = FuseMount.Mount(mountPoint, new FuseMountOptions
            {
                Source = options.FsName ?? "strata",
                ReadOnly = options.ReadOnly,
                ExtraMountFlags = options.MountFlags,
            });
        }
        catch
        {
            union.Dispose();
            throw;
        }

        var adapter = new UnionFuseAdapter(union, options.KernelCache ? CacheTimeout : TimeSpan.Zero, options.Passthrough);
        var server = new FuseServer(fuse.DeviceFd, adapter, new FuseServerOptions
        {
            ConnectionId = fuse.ConnectionId,
            RequestTimeout = options.RequestTimeout,
            // Every page of a listing carries the entries' attributes, not only the first (READDIRPLUS_AUTO): what
            // lists a big dir then acts on its entries (rm -rf, ls -l) would otherwise send a LOOKUP per entry past
            // the first page. rm -rf of 3,000 lower files: 8,800 requests with AUTO (2,799 LOOKUPs), 6,000 without.
            ReaddirPlus = true,
            Passthrough = options.Passthrough != PassthroughMode.Off,
            // Set-id bits are dropped here (the kernel says when: an empty SETATTR before a write, also one through a
            // passthrough backing file; FATTR_KILL_SUIDGID on a truncate; FUSE_WRITE_KILL_SUIDGID on a write), so the
            // kernel neither refreshes the mode before each chown nor asks for security.capability before every
            // write (SB_NOSEC: before its first, until the kernel takes its attributes again). O_TRUNC opens stay a SETATTR
            // of the size, which says to drop them too.
            // ACLs are checked as the kernel's overlay checks them, and inherited as there (the engine applies the umask).
            PosixAcl = true,
            AtomicOpenTruncate = false,
            HandleKillPrivV2 = true,
            IoUring = options.IoUring,
            IoUringPoll = options.IoUringPoll,
            Debug = debugLog is not null,
            Log = debugLog,
        });
        adapter.Connect(server.Channel);
        var mount = new OverlayMount(mountPoint, fuse, server, union);
        server.Start();
        // Never stat our own mount to see that it is live: see FuseServer.WaitForInit.
        if (!server.WaitForInit(TimeSpan.FromSeconds(30)))
        {
            mount.Dispose();
            throw new FuseMountException(Errno.ETIMEDOUT, $"mount on '{mountPoint}' did not start: the kernel sent no INIT within 30 s");
        }
        // Names and attributes are cached by the kernel only while every layer dir is watched.
        if (options.KernelCache)
            union.WatchLayers(new KernelCacheInvalidator(server.Channel));
        mount._stats = StatsEndpoint.Start(mountPoint, mount.Snapshot);
        return mount;
    }

    /// <summary>The server's counters now (what "strata stats" shows).</summary>
    public MountStats Snapshot()
    {
        var (resident, peak) = ProcessMemory.Read();
        WatchCounters watched = _union.WatchCounters;
        return new MountStats
        {
            MountPoint = MountPoint,
            Pid = Environment.ProcessId,
            RequestsHandled = _server.RequestsHandled,
            AllocatedBytesOnRequestPath = _server.AllocatedBytesOnRequestPath,
            IoUringQueues = _server.IoUringQueues,
            // Every collection counts as one of generation 0 (a gen 1 or 2 one collects gen 0 too).
            GarbageCollections = GC.CollectionCount(0),
            LayerEvents = watched.Events,
            LayerEventReads = watched.Reads,
            ResidentBytes = resident,
            PeakResidentBytes = peak,
        };
    }

    /// <summary>Blocks until the mount is gone (umount, fusermount3 -u, or <see cref="Unmount"/>).</summary>
    public void Wait() => _server.Wait();

    public bool Wait(TimeSpan timeout) => _server.Wait(timeout);

    /// <summary>
    /// True when the session ended while the mount was still there: the kernel aborted the connection (a request
    /// outlived request_timeout, or an abort through fusectl). Dispose then detaches the dead mount.
    /// </summary>
    public bool WasAborted => _server.HasEnded && MountTable.FindStrata(MountPoint) is not null;

    /// <summary>Unmounts; lazy detaches even while files are open (what SIGTERM does).</summary>
    public void Unmount(bool lazy) => _fuse.Unmount(lazy);

    public void Dispose()
    {
        _stats?.Dispose();
        if (MountTable.FindStrata(MountPoint) is not null)
            FuseMount.TryUnmount(MountPoint, lazy: true, out _);
        _server.Wait(TimeSpan.FromSeconds(10));
        _fuse.Dispose();
        _union.Dispose();
    }
}
