using System.Diagnostics;

namespace Strata.Reliability.Tests.Concurrency;

/// <summary>
/// A separate process doing what scripts do in a dir of the mount (write a temp file, mv it over a name, cat,
/// ls, mkdir, rmdir) until told to stop; it prints how many rounds it ran, which fixes what the dir must hold.
/// </summary>
public sealed class ShellWorker : IDisposable
{
    private const int Names = 7;

    private const string Script = """
        i=0
        while [ ! -e "$STOP" ]; do
          i=$((i+1)); k=$((i % 7))
          echo "p$ID v$i" > tmp.$k && mv tmp.$k f$k && cat f$k > /dev/null && ls > /dev/null && mkdir d && rmdir d || { echo "FAIL round $i"; exit 1; }
        done
        echo "$i"
        """;

    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _errors;

    public ShellWorker(int id, string dir, string stopFile)
    {
        Id = id;
        Dir = dir;
        var start = new ProcessStartInfo("bash", ["-c", Script]) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["STOP"] = stopFile;
        start.Environment["ID"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _process = Process.Start(start)!;
        _output = _process.StandardOutput.ReadToEndAsync();
        _errors = _process.StandardError.ReadToEndAsync();
    }

    public int Id { get; }

    public string Dir { get; }

    public int Pid => _process.Id;

    /// <summary>Waits for the end; the rounds run, or an error.</summary>
    public (int Rounds, string? Error) Finish(TimeSpan limit)
    {
        if (!_process.WaitForExit(limit)) return (0, $"shell worker {Id} did not stop within {limit.TotalSeconds} s");
        string output = _output.Result.Trim();
        if (_process.ExitCode != 0 || !int.TryParse(output, out int rounds))
            return (0, $"shell worker {Id} exited {_process.ExitCode}: {output} {_errors.Result.Trim()}");
        return (rounds, null);
    }

    /// <summary>What the dir must hold after <paramref name="rounds"/> rounds: f0..f6 with the last round of each.</summary>
    public Dictionary<string, string> Expected(int rounds)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int k = 0; k < Names; k++)
        {
            int last = rounds - ((rounds - k) % Names + Names) % Names;
            if (last >= 1) files[$"f{k}"] = $"p{Id} v{last}\n";
        }
        return files;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
