namespace Strata.Posix;

/// <summary>
/// getxattrat(2), setxattrat(2), listxattrat(2) and removexattrat(2) (Linux 6.13): an entry's xattrs relative to a dir fd, without
/// the walk through /proc/self/fd/DIRFD/NAME that the l* calls need for it (1.3 us against 3.3 us a getxattr of an
/// absent name here; every GETXATTR of a file comes this way). Older kernels, and sandboxes whose seccomp filter
/// refuses calls it does not know (with ENOSYS or EPERM), keep the /proc path: one probe tells.
/// </summary>
internal static unsafe class XattrAtCalls
{
    // The unified syscall table's numbers, the same on every architecture.
    public const long SetXattrAt = 463;
    public const long GetXattrAt = 464;
    public const long ListXattrAt = 465;
    public const long RemoveXattrAt = 466;

    /// <summary>Whether the calls are used; tests turn them off to check the /proc path gives the same answers.</summary>
    internal static bool Available { get; set; } = Probe();

    // An absent xattr of "/" answers ENODATA (or EOPNOTSUPP without xattr support) when the call exists.
    private static bool Probe()
    {
        var args = new XattrArgs();
        fixed (byte* path = "/\0"u8)
        fixed (byte* name = "user.strata.probe\0"u8)
        {
            long r = Errno.Check(Libc.syscall6(GetXattrAt, OpenFlags.AT_FDCWD, (long)path, 0, (long)name, (long)&args, sizeof(XattrArgs)));
            return r >= 0 || r == -Errno.ENODATA || r == -Errno.EOPNOTSUPP;
        }
    }
}

/// <summary>struct xattr_args of the *xattrat calls (its first version, 16 bytes): the value buffer, its size, XATTR_CREATE/REPLACE.</summary>
internal struct XattrArgs
{
    public ulong Value;
    public uint Size;
    public uint Flags;
}
