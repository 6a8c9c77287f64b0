namespace Strata.Testing;

/// <summary>The strata command as built next to the tests (strata.dll, run through the dotnet host): for test projects that reference Strata.Cli.</summary>
public static class StrataCommand
{
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "strata.dll");

    public static string DotnetPath { get; } = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet"
        ? p
        : "dotnet";

    public static ProcessResult Run(params string[] args) => Run((IEnumerable<string>)args);

    public static ProcessResult Run(IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null) =>
        ProcessRunner.Run(DotnetPath, new[] { DllPath }.Concat(args), timeout, workingDirectory: workingDirectory);

    /// <summary>The "requests handled" counter of a mount's server, as "strata stats" shows it.</summary>
    public static long RequestsHandled(string mountPoint) => StatsOutput.Counter(Run("stats", mountPoint), "requests handled");

    /// <summary>A shell script that runs this strata, for PATH lookups (mount -t fuse.strata finds "strata" on PATH).</summary>
    public static string WriteWrapperScript(string dir)
    {
        string script = Path.Combine(dir, "strata");
        File.WriteAllText(script, $"#!/bin/sh\nexec \"{DotnetPath}\" \"{DllPath}\" \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return script;
    }
}
