namespace Strata.Fuse;

/// <summary>Protocol version numbers and the small flag sets of individual requests and replies.</summary>
public static class FuseProtocol
{
    /// <summary>FUSE_KERNEL_VERSION: the only major version Linux speaks.</summary>
    public const uint Major = 7;

    /// <summary>The minor version this server implements; the session runs at min(this, kernel's).</summary>
    public const uint Minor = 45;

    /// <summary>FUSE_ROOT_ID: the node id of the mount's root directory.</summary>
    public const ulong RootId = 1;

    /// <summary>FUSE_MIN_READ_BUFFER: the kernel refuses smaller read buffers.</summary>
    public const int MinReadBuffer = 8192;

    /// <summary>FUSE_GETATTR_FH: <see cref="FuseGetAttrIn.Fh"/> is valid.</summary>
    public const uint GetAttrFh = 1;

    /// <summary>FUSE_FSYNC_FDATASYNC: only data needs to reach the disk.</summary>
    public const uint FsyncDataSync = 1;

    /// <summary>FUSE_WRITE_CACHE: delayed write from the page cache (the caller's ids are not meaningful).</summary>
    public const uint WriteCache = 1;

    /// <summary>FUSE_WRITE_LOCKOWNER: <see cref="FuseWriteIn.LockOwner"/> is valid.</summary>
    public const uint WriteLockOwner = 2;

    /// <summary>FUSE_WRITE_KILL_SUIDGID: the write must clear suid/sgid.</summary>
    public const uint WriteKillSuidGid = 4;

    /// <summary>FUSE_RELEASE_FLUSH: release also flushes.</summary>
    public const uint ReleaseFlush = 1;

    /// <summary>FUSE_RELEASE_FLOCK_UNLOCK: release also drops flock locks.</summary>
    public const uint ReleaseFlockUnlock = 2;

    /// <summary>FUSE_EXPIRE_ONLY (7.38): an entry invalidation only expires the entry.</summary>
    public const uint NotifyExpireOnly = 1;
}

/// <summary>FOPEN_* bits of <see cref="FuseOpenOut.OpenFlags"/>, chosen by the filesystem on OPEN/OPENDIR/CREATE.</summary>
public static class FuseOpenFlags
{
    public const uint DirectIo = 1 << 0;
    public const uint KeepCache = 1 << 1;
    public const uint NonSeekable = 1 << 2;
    public const uint CacheDir = 1 << 3;
    public const uint Stream = 1 << 4;
    public const uint NoFlush = 1 << 5;
    public const uint ParallelDirectWrites = 1 << 6;
    public const uint Passthrough = 1 << 7;
}
