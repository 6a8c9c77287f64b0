using System.Runtime.InteropServices;

namespace Strata.Posix;

public static unsafe partial class Libc
{
    public const int RLIMIT_NOFILE = 7;

    [LibraryImport(C, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport(C, EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int setrlimit(int resource, RLimit* limit);
}

/// <summary>struct rlimit.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RLimit
{
    public ulong Current;
    public ulong Maximum;
}

/// <summary>Resource limits of this process.</summary>
public static unsafe partial class Posix
{
    /// <summary>
    /// Raises the soft limit on open descriptors to the hard one and returns it: a server holds a descriptor per
    /// layer of every directory the kernel has looked up, and open files besides.
    /// </summary>
    public static long RaiseOpenFileLimit()
    {
        RLimit limit;
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, &limit) < 0) return -Errno.Last;
        if (limit.Current < limit.Maximum)
        {
            limit.Current = limit.Maximum;
            if (Libc.setrlimit(Libc.RLIMIT_NOFILE, &limit) < 0) return -Errno.Last;
        }
        return (long)limit.Current;
    }
}
