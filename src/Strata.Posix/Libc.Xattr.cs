using System.Runtime.InteropServices;

namespace Strata.Posix;

public static unsafe partial class Libc
{
    public const int XATTR_CREATE = 1;
    public const int XATTR_REPLACE = 2;

    [LibraryImport(C, EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint fgetxattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(C, EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int fsetxattr(int fd, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(C, EntryPoint = "flistxattr", SetLastError = true)]
    public static partial nint flistxattr(int fd, byte* list, nuint size);

    [LibraryImport(C, EntryPoint = "fremovexattr", SetLastError = true)]
    public static partial int fremovexattr(int fd, byte* name);

    // The path forms are used only with /proc/self/fd/N of an O_PATH descriptor (the f* forms refuse those):
    // that magic link leads to the very inode the descriptor holds, symlinks and device nodes included, so
    // xattrs of any file are reached relative to a directory fd without resolving anything from "/".
    [LibraryImport(C, EntryPoint = "getxattr", SetLastError = true)]
    public static partial nint getxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(C, EntryPoint = "setxattr", SetLastError = true)]
    public static partial int setxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(C, EntryPoint = "listxattr", SetLastError = true)]
    public static partial nint listxattr(byte* path, byte* list, nuint size);

    [LibraryImport(C, EntryPoint = "lgetxattr", SetLastError = true)]
    public static partial nint lgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(C, EntryPoint = "lsetxattr", SetLastError = true)]
    public static partial int lsetxattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(C, EntryPoint = "llistxattr", SetLastError = true)]
    public static partial nint llistxattr(byte* path, byte* list, nuint size);

    [LibraryImport(C, EntryPoint = "removexattr", SetLastError = true)]
    public static partial int removexattr(byte* path, byte* name);

    [LibraryImport(C, EntryPoint = "lremovexattr", SetLastError = true)]
    public static partial int lremovexattr(byte* path, byte* name);
}
