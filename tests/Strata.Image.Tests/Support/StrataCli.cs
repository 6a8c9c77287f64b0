using System.Diagnostics;

namespace Strata.Image.Tests.Support;

/// <summary>Runs the strata command (as a process, with $STRATA_ROOT cleared) or another tool, within a bounded time.</summary>
public static class StrataCli
{
    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string>? env, params string[] args) =>
        Wait(StartInfo(env, args), "strata");

    /// <summary>Starts strata without waiting (its output is collected in the background); the caller waits, or kills it.</summary>
    public static RunningStrata Start(params string[] args) => new(Process.Start(StartInfo(null, args))!);

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? env, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "strata.dll"));
        foreach (string a in args)
            start.ArgumentList.Add(a);
        start.Environment.Remove("STRATA_ROOT");
        foreach ((string k, string v) in env ?? new Dictionary<string, string>())
            start.Environment[k] = v;
        return start;
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

/// <summary>A strata process started by a test: killed (SIGKILL) or waited for, always within a bound.</summary>
public sealed class RunningStrata : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _out;
    private readonly Task<string> _err;

    public RunningStrata(Process process)
    {
        _process = process;
        _out = process.StandardOutput.ReadToEndAsync();
        _err = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Waits up to <paramref name="time"/>; true when the process ended by itself in that time.</summary>
    public bool WaitFor(TimeSpan time) => _process.WaitForExit(time);

    /// <summary>SIGKILL, as a crash or the OOM killer would end it.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(30_000);
    }

    public (int Code, string Out, string Err) Result()
    {
        if (!_process.WaitForExit(120_000))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail("strata did not finish within 2 minutes");
        }
        Assert.True(Task.WaitAll([_out, _err], 30_000), "the output of strata did not end");
        return (_process.ExitCode, _out.Result, _err.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
