using System.Diagnostics;
using Strata.Posix;

namespace Strata.Cli;

/// <summary>
/// The server as a new process: this command started again with a hidden flag. It reports on its stdout, a pipe
/// of ours; what it prints on stderr until it detaches is passed on to ours.
/// </summary>
internal static class ServerSpawn
{
    public static int Run(string childFlag, IEnumerable<string> childArgs)
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
        return Daemon.Verdict(line, () =>
        {
            child.WaitForExit();
            return child.ExitCode;
        });
    }
}
