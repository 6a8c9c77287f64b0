namespace Strata.Fuse;

/// <summary>How a <see cref="FuseServer"/> runs. Cache timeouts are not here: the filesystem sets them per reply.</summary>
public sealed class FuseServerOptions
{
    /// <summary>Reader threads, each blocking in read(/dev/fuse) and handling its request inline.</summary>
    public int Threads { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Largest WRITE (and READ) payload; a multiple of 4096. Also sets max_pages = MaxWrite / 4096.</summary>
    public int MaxWrite { get; init; } = 1 << 20;

    /// <summary>Log one line per request to <see cref="Log"/>.</summary>
    public bool Debug { get; init; }

    /// <summary>Where debug lines and filesystem exceptions go; exceptions go to stderr when null.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Ask for FUSE_DO_READDIRPLUS: the kernel then sends READDIRPLUS (entries with their attributes) instead of READDIR.</summary>
    public bool ReaddirPlus { get; init; }

    /// <summary>
    /// With <see cref="ReaddirPlus"/>, ask for FUSE_READDIRPLUS_AUTO too: the kernel then sends READDIRPLUS only
    /// for the first part of a listing and after lookups in the dir, READDIR otherwise.
    /// </summary>
    public bool ReaddirPlusAuto { get; init; }

    /// <summary>
    /// Ask for FUSE_ATOMIC_O_TRUNC: OPEN carries O_TRUNC and the filesystem truncates, instead of the kernel sending
    /// a SETATTR of size 0 after the open. Without <see cref="HandleKillPrivV2"/> the kernel then does not clear the
    /// set-id bits that such an open by an unprivileged caller must clear, so a filesystem that keeps set-id files
    /// turns this off (or handles killpriv itself).
    /// </summary>
    public bool AtomicOpenTruncate { get; init; } = true;

    /// <summary>
    /// Ask for FUSE_HANDLE_KILLPRIV_V2: the filesystem, not the kernel, clears set-id bits on writes flagged
    /// FUSE_WRITE_KILL_SUIDGID, truncates flagged FATTR_KILL_SUIDGID and opens flagged FUSE_OPEN_KILL_SUIDGID.
    /// Only for a filesystem that does all three, and that drops the bits on an empty SETATTR: the kernel's
    /// file_remove_privs sends one before a write by a caller without CAP_FSETID to a set-id file (also before a
    /// write through a passthrough backing file, which never reaches the filesystem itself).
    /// Without it the kernel clears the bits itself with a SETATTR of the mode (and refreshes the mode first), and
    /// asks for security.capability before every write (with it once per file: SB_NOSEC).
    /// </summary>
    public bool HandleKillPrivV2 { get; init; }

    /// <summary>
    /// Ask for FUSE_POSIX_ACL and FUSE_DONT_MASK: the kernel then checks POSIX ACLs (with default_permissions) and
    /// caches them, and sends MKNOD, MKDIR and CREATE with the mode as asked and the caller's umask beside it, for the
    /// filesystem to apply unless the parent's default ACL decides the mode (and to set the inherited ACLs).
    /// </summary>
    public bool PosixAcl { get; init; }

    /// <summary>Ask for FUSE_WRITEBACK_CACHE (the kernel caches writes; excludes passthrough).</summary>
    public bool WritebackCache { get; init; }

    /// <summary>
    /// Ask for FUSE_PASSTHROUGH (Linux 6.9+, CAP_SYS_ADMIN): opens may then name a backing file registered through
    /// <see cref="FuseChannel.OpenBacking"/>, and their reads and writes never reach the server. Not granted
    /// together with <see cref="WritebackCache"/>.
    /// </summary>
    public bool Passthrough { get; init; }

    /// <summary>
    /// Ask for FUSE_AUTO_INVAL_DATA: the kernel drops a file's cached pages when it sees its mtime or size
    /// change, so cached data stays correct when files change behind its back.
    /// </summary>
    public bool AutoInvalidateData { get; init; }

    /// <summary>
    /// Give each reader after the first its own /dev/fuse descriptor (FUSE_DEV_IOC_CLONE), so that readers do
    /// not queue on one file's wait queue; falls back to the shared descriptor where cloning is not allowed.
    /// </summary>
    public bool CloneDevicePerReader { get; init; } = true;

    /// <summary>
    /// Ask the kernel (6.14+, FUSE_REQUEST_TIMEOUT) to abort the connection when a request stays unanswered this
    /// long, so that a hung server fails its callers (ECONNABORTED) instead of hanging them for ever. Whole
    /// seconds, at most 65535; the kernel checks about every 15 s.
    /// </summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>
    /// Serve requests through FUSE over io_uring (Linux 6.14+, when the fuse module's enable_uring parameter is on):
    /// a ring queue per CPU, served by threads kept on that CPU, so that a request and its reply cross no CPUs. INIT
    /// offers it only when every ring could be made; otherwise, and where the kernel does not offer it, requests
    /// come through /dev/fuse reads as without it, and also with <see cref="RequestTimeout"/>: the kernel's abort
    /// of a stopped server does not end requests already handed to a ring entry.
    /// </summary>
    public bool IoUring { get; init; }

    /// <summary>With <see cref="IoUring"/>: threads (ring entries) per CPU queue, so that a slow request does not hold up its CPU's next one.</summary>
    public int IoUringThreadsPerQueue { get; init; } = 2;

    /// <summary>
    /// With <see cref="IoUring"/>: how long a ring thread stays awake for the next request after a reply before it
    /// sleeps, yielding its CPU to anyone who wants it meanwhile; zero (the default) sleeps at once. A thread that
    /// sleeps costs a caller making one request after another two wake-ups a round trip, which may each have to
    /// bring a halted CPU back.
    /// </summary>
    public TimeSpan IoUringPoll { get; init; }

    /// <summary>
    /// The fusectl connection number of this session (see <see cref="FuseMount.ConnectionId"/>). Only
    /// <see cref="FuseServer.Stop"/> needs it: the only way to wake readers blocked in read() is to end the connection.
    /// </summary>
    public uint? ConnectionId { get; init; }
}
