using System.Globalization;
using Strata.Cli.Commands;
using Strata.Image.Import;

namespace Strata.Cli.Progress;

/// <summary>How a display names a transfer and its end: "Downloading", "Pull complete" for a pull; "Loading", "Load complete" for a load.</summary>
internal sealed record ProgressWords(string Transfer, string Done)
{
    public static readonly ProgressWords Pull = new("Downloading", "Pull complete");

    public static readonly ProgressWords Load = new("Loading", "Load complete");
}

/// <summary>What the display knows of one layer: its last report, and when its transfer began and ended.</summary>
internal sealed class LayerStatus
{
    private readonly ProgressWords _words;

    public LayerStatus(LayerProgress first, DateTime now, ProgressWords words)
    {
        _words = words;
        Last = first;
        Stamp(first.State, changed: true, now);
    }

    public LayerProgress Last { get; private set; }

    public DateTime? Started { get; private set; }

    public DateTime? Finished { get; private set; }

    /// <summary>Records a report; true when the layer's state changed (worth a line or a redraw now).</summary>
    public bool Update(LayerProgress progress, DateTime now)
    {
        bool changed = progress.State != Last.State;
        Stamp(progress.State, changed, now);
        Last = progress;
        return changed;
    }

    private void Stamp(LayerState state, bool changed, DateTime now)
    {
        if (changed && state is LayerState.Downloading or LayerState.Extracting)
            Started = now;
        // The transfer ends when the layer is unpacked; waiting to move into place is not part of its speed.
        bool ends = state is LayerState.Unpacked or LayerState.Failed || (state is LayerState.Complete && Finished is null);
        if (changed && ends)
            Finished = now;
    }

    /// <summary>The short id docker shows: the blob digest's first 12 hex digits.</summary>
    public string Id => Last.Blob.Short;

    public string StateName => Last.State switch
    {
        LayerState.Waiting => "Waiting",
        LayerState.Exists => "Already exists",
        LayerState.Downloading => _words.Transfer,
        LayerState.Extracting => "Extracting",
        LayerState.Unpacked => "Unpacked",
        LayerState.Complete => _words.Done,
        _ => "Failed",
    };

    /// <summary>Bytes per second since the transfer began (up to its end once it ended).</summary>
    public string Speed(DateTime now)
    {
        if (Started is not { } start)
            return "";
        double seconds = ((Finished ?? now) - start).TotalSeconds;
        return seconds <= 0.001 ? "" : Units.Size((long)(Last.Done / seconds)) + "/s";
    }

    /// <summary>The line of the live display: id, state, bytes done of the total, speed.</summary>
    public string LiveLine(DateTime now) => Last.State switch
    {
        LayerState.Downloading or LayerState.Extracting =>
            $"{Id}: {StateName,-14} {Units.Size(Last.Done) + "/" + Units.Size(Last.Total),-17} {Speed(now)}",
        LayerState.Unpacked or LayerState.Complete => $"{Id}: {StateName,-14} {Units.Size(Last.Total),-17} {Speed(now)}",
        LayerState.Failed => $"{Id}: {StateName}: {Last.Error}",
        _ => $"{Id}: {StateName}",
    };

    public string Duration =>
        Started is { } s && Finished is { } f ? ((f - s).TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture) + "s" : "";
}
