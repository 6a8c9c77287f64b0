using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// The credentials and umask of the calling thread alone. Linux keeps both per thread (the umask once the thread
/// has unshared its filesystem attributes), while the libc calls of the same names change the whole process.
/// </summary>
public static unsafe partial class Posix
{
    private static readonly bool IsArm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    // The syscall numbers differ by architecture (x86-64, arm64).
    private static long SysSetGroups => IsArm64 ? 159 : 116;

    private static long SysSetResUid => IsArm64 ? 147 : 117;

    private static long SysSetResGid => IsArm64 ? 149 : 119;

    /// <summary>Gives the calling thread a cwd, root and umask of its own (unshare CLONE_FS).</summary>
    public static int UnshareFilesystemAttributes() => Libc.unshare(Libc.CLONE_FS) == 0 ? 0 : -Errno.Last;

    /// <summary>The calling thread's real, effective and saved user ids (setresuid(2), this thread only).</summary>
    public static int SetThreadUids(uint real, uint effective, uint saved) =>
        Result(Libc.syscall(SysSetResUid, real, effective, saved));

    /// <summary>The calling thread's real, effective and saved group ids (setresgid(2), this thread only).</summary>
    public static int SetThreadGids(uint real, uint effective, uint saved) =>
        Result(Libc.syscall(SysSetResGid, real, effective, saved));

    /// <summary>The calling thread's supplementary groups (setgroups(2), this thread only).</summary>
    public static int SetThreadGroups(ReadOnlySpan<uint> groups)
    {
        fixed (uint* list = groups)
            return Result(Libc.syscall(SysSetGroups, groups.Length, (long)list, 0));
    }

    /// <summary>The calling thread's supplementary groups.</summary>
    public static uint[] GetGroups()
    {
        int n = Libc.getgroups(0, null);
        if (n <= 0)
            return [];
        var groups = new uint[n];
        fixed (uint* list = groups)
            n = Libc.getgroups(n, list);
        return n < 0 ? [] : groups[..n];
    }

    private static int Result(long rc) => rc == -1 ? -Errno.Last : (int)rc;
}
