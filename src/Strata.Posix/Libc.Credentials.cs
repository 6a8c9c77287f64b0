using System.Runtime.InteropServices;

namespace Strata.Posix;

public static unsafe partial class Libc
{
    public const int CLONE_FS = 0x200;

    [LibraryImport(C, EntryPoint = "unshare", SetLastError = true)]
    public static partial int unshare(int flags);

    [LibraryImport(C, EntryPoint = "getgroups", SetLastError = true)]
    public static partial int getgroups(int size, uint* list);

    /// <summary>
    /// The raw system call. glibc's setresuid, setresgid and setgroups change every thread of the process; the
    /// kernel's calls change the calling thread alone, which is what a per-thread identity needs.
    /// </summary>
    [LibraryImport(C, EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall(long number, long a, long b, long c);
}
