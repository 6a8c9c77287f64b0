using System.Runtime.InteropServices;

namespace Strata.Posix;

public static unsafe partial class Libc
{
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public const int MAP_POPULATE = 0x8000;

    /// <summary>The raw system call with six arguments (io_uring_enter takes six; glibc has no wrapper for it).</summary>
    [LibraryImport(C, EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall6(long number, long a, long b, long c, long d, long e, long f);

    [LibraryImport(C, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(C, EntryPoint = "munmap", SetLastError = true)]
    public static partial int munmap(void* addr, nuint length);

    /// <summary>pid 0: the calling thread (Linux keeps affinity per thread).</summary>
    [LibraryImport(C, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint cpusetsize, ulong* mask);
}
