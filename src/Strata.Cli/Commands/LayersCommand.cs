using System.Globalization;
using Strata.Image;
using Strata.Image.Diff;
using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// strata layers [--root DIR] [-v] IMAGE: per layer (bottom first) what it adds, changes and deletes over the
/// layers below (as strata diff counts them), its size, and the bytes of it that higher layers overwrite or
/// delete; then the image's wasted bytes and its efficiency (1 - wasted/total). -v lists the paths.
/// </summary>
internal static class LayersCommand
{
    private const string UsageLine = "strata layers [--root DIR] [-v] IMAGE";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], ["-v", "--verbose"], UsageLine);
        string name = parsed.Single("image", UsageLine);
        bool verbose = parsed.Has("-v") || parsed.Has("--verbose");
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            ImageRecord image = new ImageStore(layout).Resolve(name);
            ImageDetails details = ImageDetails.Load(layout, image);
            ImageLayersReport report = ImageLayerAnalysis.Analyze(details.DiffDirs);
            Print(details, report, verbose);
            return ExitCodes.Ok;
        });
    }

    private static void Print(ImageDetails details, ImageLayersReport report, bool verbose)
    {
        var o = Console.Out;
        var c = CultureInfo.InvariantCulture;
        o.WriteLine($"Image {details.Image.Id}, {details.Layers.Count} layers");
        var rows = new List<string[]> { new[] { "LAYER", "DIFF ID", "SIZE", "ADDED", "CHANGED", "DELETED", "WASTED", "CREATED BY" } };
        foreach (LayerReport layer in report.Layers)
        {
            ImageLayerDetails d = details.Layers[layer.Index];
            rows.Add([layer.Index.ToString(c), Digest.Parse(d.Record.DiffId).Short, Units.Size(layer.Size), layer.Added.ToString(c),
                layer.Changed.ToString(c), layer.Deleted.ToString(c), Units.Size(layer.WastedBytes), OneLine(d.CreatedBy)]);
        }
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(col => rows.Max(r => r[col].Length)).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            o.WriteLine(string.Join("  ", rows[r].Select((cell, col) => col == rows[r].Length - 1 ? cell : cell.PadRight(widths[col]))).TrimEnd());
            if (verbose && r > 0)
                PrintChanges(report.Layers[r - 1]);
        }
        o.WriteLine(string.Create(c,
            $"Total {Units.Size(report.TotalBytes)} ({report.TotalBytes} bytes of file data); wasted {Units.Size(report.WastedBytes)} ({report.WastedBytes} bytes in {report.Shadowed.Count} files that a higher layer overwrites or deletes); efficiency {report.Efficiency * 100:0.00}% (1 - wasted/total)"));
        if (!verbose || report.Shadowed.Count == 0)
            return;
        o.WriteLine("Wasted files:");
        foreach (ShadowedFile file in report.Shadowed.OrderByDescending(f => f.Size).ThenBy(f => f.Path, StringComparer.Ordinal))
            o.WriteLine($"  {Units.Size(file.Size),-8} {file.Path}  (layer {file.Layer}, {(file.Deleted ? "deleted" : "overwritten")} by layer {file.ShadowedBy})");
    }

    private static void PrintChanges(LayerReport layer)
    {
        var opaque = layer.OpaqueDirs.ToHashSet(StringComparer.Ordinal);
        foreach (Change change in layer.Changes)
            Console.Out.WriteLine($"    {change}{(opaque.Contains(change.Path) ? " (opaque: hides what the layers below have there)" : "")}");
    }

    /// <summary>A created_by as one line (RUN steps often hold newlines and runs of blanks).</summary>
    private static string OneLine(string? text) =>
        text is null ? "-" : string.Join(' ', text.Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
}
