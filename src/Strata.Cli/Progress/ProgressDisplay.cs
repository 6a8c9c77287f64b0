using Strata.Image.Import;

namespace Strata.Cli.Progress;

/// <summary>The progress a pull or load shows on stdout: live lines on a terminal, plain lines otherwise, nothing with -q.</summary>
internal sealed class ProgressDisplay : IDisposable
{
    private readonly TerminalProgress? _terminal;

    private ProgressDisplay(IPullProgress progress, TerminalProgress? terminal)
    {
        Progress = progress;
        _terminal = terminal;
    }

    public IPullProgress Progress { get; }

    public static ProgressDisplay Create(bool quiet, ProgressWords words)
    {
        if (quiet)
            return new ProgressDisplay(SilentProgress.Instance, null);
        if (Console.IsOutputRedirected || Environment.GetEnvironmentVariable("TERM") == "dumb")
            return new ProgressDisplay(new PlainProgress(Console.Out, words), null);
        var terminal = new TerminalProgress(Console.Out, TerminalWidth, words);
        return new ProgressDisplay(terminal, terminal);
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    /// <summary>Draws the last state (a live display's final frame).</summary>
    public void Dispose() => _terminal?.Dispose();
}
