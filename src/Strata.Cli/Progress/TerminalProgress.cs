using System.Text;
using Strata.Image.Import;

namespace Strata.Cli.Progress;

/// <summary>
/// docker's display on a terminal: one line per layer (short id, state, bytes done/total, speed), redrawn in
/// place at most ten times a second and whenever a layer changes state; image-wide messages go above them.
/// </summary>
internal sealed class TerminalProgress : IPullProgress, IDisposable
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _out;
    private readonly Func<int> _width;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<int, LayerStatus> _layers = [];
    private int _drawn;
    private DateTime _lastDraw = DateTime.MinValue;

    private readonly ProgressWords _words;

    public TerminalProgress(TextWriter output, Func<int> width, ProgressWords words)
    {
        _out = output;
        _width = width;
        _words = words;
    }

    public void Message(string text)
    {
        lock (_gate)
        {
            // Above the layer lines: clear them, print, draw them again under it.
            var frame = new StringBuilder();
            MoveToTop(frame);
            frame.Append("\r\x1b[J").Append(text).Append('\n');
            _drawn = 0;
            DrawLines(frame, DateTime.UtcNow);
            _out.Write(frame.ToString());
            _out.Flush();
        }
    }

    public void Layer(LayerProgress progress)
    {
        lock (_gate)
        {
            DateTime now = DateTime.UtcNow;
            bool changed = true;
            if (_layers.TryGetValue(progress.Index, out LayerStatus? status))
                changed = status.Update(progress, now);
            else
                _layers[progress.Index] = new LayerStatus(progress, now, _words);
            if (changed || now - _lastDraw >= RedrawInterval)
                Redraw(now);
        }
    }

    public void Dispose()
    {
        lock (_gate)
            Redraw(DateTime.UtcNow);
    }

    private void Redraw(DateTime now)
    {
        var frame = new StringBuilder();
        MoveToTop(frame);
        DrawLines(frame, now);
        _out.Write(frame.ToString());
        _out.Flush();
        _lastDraw = now;
    }

    private void MoveToTop(StringBuilder frame)
    {
        if (_drawn > 0)
            frame.Append("\x1b[").Append(_drawn).Append('A');
    }

    private void DrawLines(StringBuilder frame, DateTime now)
    {
        // A line wider than the terminal would wrap, and moving up by the line count would then miss the top.
        int width = Math.Max(20, _width() - 1);
        foreach (LayerStatus layer in _layers.Values)
        {
            string line = layer.LiveLine(now);
            frame.Append("\r\x1b[2K").Append(line.Length > width ? line[..width] : line).Append('\n');
        }
        _drawn = _layers.Count;
    }
}
