using Strata.Posix;

namespace Strata.Cli;

/// <summary>
/// Running the server in the background: in a forked copy of this process where that is safe (see
/// <see cref="ServerFork"/>), otherwise by starting this command again with a hidden flag (<see cref="ServerSpawn"/>).
/// Either way the child mounts, reports one line ("READY", or "ERROR code message") and then detaches from the
/// terminal and from the caller's descriptors; the command returns only after that line, with the child's verdict.
/// </summary>
internal static class Daemon
{
    private const string Ready = "READY";
    private const string ErrorPrefix = "ERROR ";

    /// <summary>Where the child reports: its stdout when spawned, a pipe of its own when forked.</summary>
    private static int s_reportFd = 1;

    /// <summary>
    /// Starts the server and returns the command's exit code once the mount is live. <paramref name="serveInChild"/>
    /// is what a forked child runs (its return is that process's exit code); a spawned child is given
    /// <paramref name="childFlag"/> and <paramref name="childArgs"/> instead.
    /// </summary>
    public static int Start(string childFlag, IEnumerable<string> childArgs, Func<int> serveInChild) =>
        ServerFork.TryRun(serveInChild) ?? ServerSpawn.Run(childFlag, childArgs);

    /// <summary>In the child, first of all: a session of its own, so that the terminal's ^C and hangup do not reach it.</summary>
    public static void LeaveTerminalSession() => Libc.setsid();

    /// <summary>In a forked child: report on this descriptor instead of stdout.</summary>
    public static void ReportTo(int fd) => s_reportFd = fd;

    /// <summary>
    /// In the child, once the mount is live: tell the parent, then let go of its descriptors. What the server still
    /// has to say (the kernel aborted a hung connection, a request failed inside) goes to the kernel log (dmesg), one
    /// record per line, since it has no terminal; where /dev/kmsg cannot be written (not root), nowhere.
    /// </summary>
    public static void ReportReadyAndDetach()
    {
        Report(Ready);
        if (s_reportFd != 1)
            Posix.Posix.Close(s_reportFd);
        int devNull = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, "/dev/null", OpenFlags.O_RDWR);
        int kernelLog = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, "/dev/kmsg", OpenFlags.O_WRONLY);
        if (devNull >= 0)
        {
            Libc.dup2(devNull, 0);
            Libc.dup2(devNull, 1);
            Libc.dup2(kernelLog >= 0 ? kernelLog : devNull, 2);
            Posix.Posix.Close(devNull);
        }
        if (kernelLog >= 0)
            Posix.Posix.Close(kernelLog);
    }

    /// <summary>In the child, when mounting failed: the parent prints the message and exits with the code.</summary>
    public static void ReportError(int exitCode, string message) =>
        // One line is the protocol: a newline in the message (a path from the options) must not end it early.
        Report($"{ErrorPrefix}{exitCode} {Printable.Of(message)}");

    /// <summary>In the parent: the exit code for the child's line, or the error it reports (or its death without one).</summary>
    public static int Verdict(string? line, Func<int> waitForExitCode)
    {
        if (line == Ready) return ExitCodes.Ok;
        int exitCode = waitForExitCode();
        if (line is not null && line.StartsWith(ErrorPrefix, StringComparison.Ordinal))
        {
            string rest = line[ErrorPrefix.Length..];
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            int code = int.TryParse(rest[..Math.Max(space, 0)], out int c) ? c : ExitCodes.Failure;
            throw new CliException(rest[(space + 1)..], code);
        }
        throw new CliException($"the server process ended before the mount was live (exit code {exitCode})");
    }

    // A parent gone before the line is read has nobody to tell: the write's error is of no use.
    private static void Report(string line) => Posix.Posix.WriteAll(s_reportFd, System.Text.Encoding.UTF8.GetBytes(line + "\n"));
}
