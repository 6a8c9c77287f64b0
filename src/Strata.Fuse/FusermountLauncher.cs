using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// The unprivileged way to mount: fusermount3 (setuid root) opens /dev/fuse, mounts, and sends the descriptor back
/// over the socket named by _FUSE_COMMFD with SCM_RIGHTS.
/// </summary>
internal static class FusermountLauncher
{
    public const string Program = "fusermount3";

    /// <summary>Mounts <paramref name="target"/> and returns the /dev/fuse descriptor (O_CLOEXEC).</summary>
    public static unsafe int Mount(string target, FuseMountOptions options)
    {
        int* pair = stackalloc int[2];
        if (Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, pair) != 0)
            throw Fail(target, Errno.Last, "socketpair");
        int ours = pair[0];
        int theirs = pair[1];
        try
        {
            // The one descriptor fusermount3 must inherit. Only it loses CLOEXEC, and only until the child runs.
            if (Libc.fcntl(theirs, Libc.F_SETFD, 0) != 0)
                throw Fail(target, Errno.Last, "fcntl");
            var start = new ProcessStartInfo(Program)
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(MountOptionString(options));
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(target);
            start.Environment["_FUSE_COMMFD"] = theirs.ToString(CultureInfo.InvariantCulture);

            using Process process = Process.Start(start) ?? throw Fail(target, Errno.ENOENT, Program);
            Libc.close(theirs);
            theirs = -1;

            int fd = ReceiveFd(ours);
            bool exited = process.WaitForExit(TimeSpan.FromSeconds(30));
            string stderr = exited ? process.StandardError.ReadToEnd().Trim() : "timed out";
            if (fd < 0)
                throw new FuseMountException(Errno.EIO, $"cannot mount FUSE on {target}: {Program}: {stderr}");
            return fd;
        }
        finally
        {
            if (theirs >= 0)
                Libc.close(theirs);
            Libc.close(ours);
        }
    }

    /// <summary>fusermount3 -u [-z]: the unprivileged unmount. Returns 0 or a positive errno (EIO if it failed).</summary>
    public static int Unmount(string target, bool lazy)
    {
        var start = new ProcessStartInfo(Program) { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add(lazy ? "-uz" : "-u");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(target);
        using Process? process = Process.Start(start);
        if (process is null)
            return Errno.ENOENT;
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            return Errno.ETIMEDOUT;
        return process.ExitCode == 0 ? 0 : Errno.EIO;
    }

    private static string MountOptionString(FuseMountOptions options)
    {
        var o = new List<string> { "fsname=" + options.Source, "subtype=" + options.Subtype, "nosuid", "nodev" };
        // Only where fusermount3 takes it from this mounter: otherwise the mount is the mounter's alone, as
        // fuse-overlayfs's and every rootless FUSE mount is by default.
        if (options.AllowOther && (Posix.Posix.EffectiveUid() == 0 || FuseConf.AllowsOther()))
            o.Add("allow_other");
        if (options.DefaultPermissions)
            o.Add("default_permissions");
        if (options.ReadOnly)
            o.Add("ro");
        if ((options.ExtraMountFlags & Libc.MS_NOEXEC) != 0)
            o.Add("noexec");
        if ((options.ExtraMountFlags & Libc.MS_NOATIME) != 0)
            o.Add("noatime");
        if (options.MaxRead is uint maxRead)
            o.Add("max_read=" + maxRead.ToString(CultureInfo.InvariantCulture));
        return string.Join(',', o);
    }

    /// <summary>One byte with an SCM_RIGHTS descriptor; -1 when the other side closed without sending one.</summary>
    private static unsafe int ReceiveFd(int socket)
    {
        byte data;
        var iov = new IoVec { Base = &data, Length = 1 };
        int controlSize = Unsafe.SizeOf<CMsgHdr>() + 8; // CMSG_SPACE(sizeof(int))
        byte* control = stackalloc byte[controlSize];
        new Span<byte>(control, controlSize).Clear();
        var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlSize };
        nint n;
        do
            n = Libc.recvmsg(socket, &msg, Libc.MSG_CMSG_CLOEXEC);
        while (n < 0 && Errno.Last == Errno.EINTR);
        if (n <= 0 || msg.ControlLength < (nuint)(Unsafe.SizeOf<CMsgHdr>() + sizeof(int)))
            return -1;
        var header = (CMsgHdr*)control;
        if (header->Level != Libc.SOL_SOCKET || header->Type != Libc.SCM_RIGHTS)
            return -1;
        return *(int*)(control + Unsafe.SizeOf<CMsgHdr>());
    }

    private static FuseMountException Fail(string target, int errno, string what) =>
        new(errno, $"cannot mount FUSE on {target}: {what}: {Errno.Describe(errno)}");
}
