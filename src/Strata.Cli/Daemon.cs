using System.Diagnostics;
using Strata.Posix;

namespace Strata.Cli;

/// <summary>
/// Running the server in the background. .NET cannot fork, so the command starts itself again with a hidden
/// flag; the child mounts, writes one line on its stdout ("READY", or "ERROR code message") and then detaches
/// from the terminal and from that pipe. The parent returns only after that line, with the child's verdict.
/// The published binary does the parent's part before its runtime starts (Native/early_fork.c): it forks, and the
/// child comes here as if started with the flag; only the JIT build (dotnet strata.dll) starts itself again.
/// </summary>
internal static class Daemon
{
    private const string Ready = "READY";
    private const string ErrorPrefix = "ERROR ";

    public static int StartAndWaitForReady(string childFlag, IEnumerable<string> childArgs)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new CliException("cannot tell where the strata executable is"),
            // All three are pipes of ours, never the caller's terminal or pipes: the server outlives this
            // process, and a copy of the caller's stdout or stderr in it (the runtime dups them) would keep
            // "strata mount | cat" waiting for ever.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Under "dotnet strata.dll" the process is the dotnet host: give it the dll again.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "strata.dll"));
        start.ArgumentList.Add(childFlag);
        foreach (string a in childArgs) start.ArgumentList.Add(a);

        // Descriptors this process inherited without O_CLOEXEC (a shell's, a test runner's) stay out of the server.
        Libc.close_range(3, uint.MaxValue, (int)Libc.CLOSE_RANGE_CLOEXEC);
        using Process child = Process.Start(start) ?? throw new CliException("could not start the server process");
        child.StandardInput.Close();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) Console.Error.WriteLine(e.Data);
        };
        child.BeginErrorReadLine();
        string? line = child.StandardOutput.ReadLine();
        if (line == Ready) return ExitCodes.Ok;
        child.WaitForExit();
        if (line is not null && line.StartsWith(ErrorPrefix, StringComparison.Ordinal))
        {
            string rest = line[ErrorPrefix.Length..];
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            int code = int.TryParse(rest[..Math.Max(space, 0)], out int c) ? c : ExitCodes.Failure;
            throw new CliException(rest[(space + 1)..], code);
        }
        throw new CliException($"the server process ended before the mount was live (exit code {child.ExitCode})");
    }

    /// <summary>In the child, first of all: a session of its own, so that the terminal's ^C and hangup do not reach it.</summary>
    public static void LeaveTerminalSession() => Libc.setsid();

    /// <summary>
    /// In the child, once the mount is live: tell the parent, then let go of its pipes. What the server still has
    /// to say (the kernel aborted a hung connection, a request failed inside) goes to the kernel log (dmesg), one
    /// record per line, since it has no terminal; where /dev/kmsg cannot be written (not root), nowhere.
    /// </summary>
    public static void ReportReadyAndDetach()
    {
        Console.Out.WriteLine(Ready);
        Console.Out.Flush();
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
    public static void ReportError(int exitCode, string message)
    {
        // One line is the protocol: a newline in the message (a path from the options) must not end it early.
        Console.Out.WriteLine($"{ErrorPrefix}{exitCode} {Printable.Of(message)}");
        Console.Out.Flush();
    }
}
