using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// Unix-socket calls: receiving a descriptor over SCM_RIGHTS (how fusermount3 hands back /dev/fuse), a listening
/// socket (a server's stats), and fcntl for the one descriptor a child process must inherit.
/// </summary>
public static unsafe partial class Libc
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000;

    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int FD_CLOEXEC = 1;

    [LibraryImport(C, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(C, EntryPoint = "recvmsg", SetLastError = true)]
    public static partial nint recvmsg(int sockfd, MsgHdr* msg, int flags);

    [LibraryImport(C, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    public const int SHUT_RDWR = 2;

    [LibraryImport(C, EntryPoint = "socket", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(C, EntryPoint = "bind", SetLastError = true)]
    public static partial int bind(int sockfd, byte* addr, uint addrlen);

    [LibraryImport(C, EntryPoint = "listen", SetLastError = true)]
    public static partial int listen(int sockfd, int backlog);

    [LibraryImport(C, EntryPoint = "accept4", SetLastError = true)]
    public static partial int accept4(int sockfd, byte* addr, uint* addrlen, int flags);

    [LibraryImport(C, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int shutdown(int sockfd, int how);
}

/// <summary>struct iovec.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVec
{
    public void* Base;
    public nuint Length;
}

/// <summary>struct msghdr on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>struct cmsghdr on 64-bit Linux: the data (here one int fd) follows at offset 16.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CMsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;
}
