using System.Diagnostics;

namespace Strata.Image.Tests.Support;

/// <summary>Runs the strata command (as a process, with $STRATA_ROOT cleared) or another tool, within a bounded time.</summary>
public static class StrataCli
{
    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "strata.dll"));
        foreach (string a in args)
            start.ArgumentList.Add(a);
        start.Environment.Remove("STRATA_ROOT");
        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
            start.Environment[k] = v;
        return Wait(start, "strata");
    }

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(null, args);

    public static (int Code, string Out, string Err) Tool(string name, params string[] args)
    {
        var start = new ProcessStartInfo(name) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            start.ArgumentList.Add(a);
        return Wait(start, name);
    }

    private static (int Code, string Out, string Err) Wait(ProcessStartInfo start, string name)
    {
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{name} did not finish within 2 minutes");
        }
        Assert.True(Task.WaitAll([stdout, stderr], 30_000), $"the output of {name} did not end");
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
