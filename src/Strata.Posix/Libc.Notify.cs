using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>fanotify, file handles and the poll/eventfd pair a watcher thread waits on.</summary>
public static unsafe partial class Libc
{
    [LibraryImport(C, EntryPoint = "fanotify_init", SetLastError = true)]
    public static partial int fanotify_init(uint flags, uint eventFlags);

    [LibraryImport(C, EntryPoint = "fanotify_mark", SetLastError = true)]
    public static partial int fanotify_mark(int fanotifyFd, uint flags, ulong mask, int dirfd, byte* path);

    [LibraryImport(C, EntryPoint = "name_to_handle_at", SetLastError = true)]
    public static partial int name_to_handle_at(int dirfd, byte* path, byte* handle, int* mountId, int flags);

    [LibraryImport(C, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);
}
