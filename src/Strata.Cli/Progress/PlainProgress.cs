using Strata.Cli.Commands;
using Strata.Image.Import;

namespace Strata.Cli.Progress;

/// <summary>Progress as plain lines, for output that is not a terminal: a line when a layer starts and one when it is done.</summary>
internal sealed class PlainProgress : IPullProgress
{
    private readonly TextWriter _out;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, LayerStatus> _layers = [];

    private readonly ProgressWords _words;

    public PlainProgress(TextWriter output, ProgressWords words)
    {
        _out = output;
        _words = words;
    }

    public void Message(string text)
    {
        lock (_gate)
            _out.WriteLine(text);
    }

    public void Layer(LayerProgress progress)
    {
        lock (_gate)
        {
            DateTime now = DateTime.UtcNow;
            if (!_layers.TryGetValue(progress.Index, out LayerStatus? status))
            {
                status = new LayerStatus(progress, now, _words);
                _layers[progress.Index] = status;
            }
            else if (!status.Update(progress, now))
            {
                return;
            }
            string? line = progress.State switch
            {
                LayerState.Exists => $"{status.Id}: Already exists",
                LayerState.Downloading => $"{status.Id}: {status.StateName} {Units.Size(progress.Total)}",
                LayerState.Extracting => $"{status.Id}: Extracting {Units.Size(progress.Total)} (the blob is in the store)",
                LayerState.Complete => $"{status.Id}: {status.StateName} {Units.Size(progress.Total)} in {status.Duration} ({status.Speed(now)})",
                LayerState.Failed => $"{status.Id}: Failed: {progress.Error}",
                _ => null,
            };
            if (line is not null)
                _out.WriteLine(line);
        }
    }
}
