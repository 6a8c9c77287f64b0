using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>Processes: fork and reaping.</summary>
public static unsafe partial class Libc
{
    [LibraryImport(C, EntryPoint = "fork", SetLastError = true)]
    public static partial int fork();

    [LibraryImport(C, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);
}
