using Strata.Image.Diff;
using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// strata which [--root DIR] IMAGE PATH...: for each path, the layer its visible version comes from (index,
/// chain id, diff id, created_by), or the layer that deletes it, or that no layer has it. Exit code 1 when a
/// path is not in the image.
/// </summary>
internal static class WhichCommand
{
    private const string UsageLine = "strata which [--root DIR] IMAGE PATH...";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], [], UsageLine);
        if (parsed.Positionals.Count < 2)
            throw new CliException($"give an image and at least one path; usage: {UsageLine}", ExitCodes.Usage);
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            ImageRecord image = new ImageStore(layout).Resolve(parsed.Positionals[0]);
            ImageDetails details = ImageDetails.Load(layout, image);
            using var origins = new PathOrigins(details.DiffDirs);
            bool allVisible = true;
            foreach (string path in parsed.Positionals.Skip(1))
            {
                PathOrigin origin = origins.Find(path);
                allVisible &= origin.Kind == OriginKind.Visible;
                Console.Out.WriteLine(Describe(origin, details));
            }
            return allVisible ? ExitCodes.Ok : ExitCodes.Failure;
        });
    }

    private static string Describe(PathOrigin origin, ImageDetails details)
    {
        string via = origin.Via.Count == 0 ? "" : $" (via {string.Join(", ", origin.Via)})";
        if (origin.Kind == OriginKind.Absent)
            return $"{origin.Path}: absent: {origin.Detail}{via}";
        ImageLayerDetails layer = details.Layers[origin.Layer];
        string ids = $"chain id {layer.Record.ChainId}; diff id {layer.Record.DiffId}; created by: {layer.CreatedBy ?? "-"}";
        if (origin.Kind == OriginKind.Deleted)
        {
            string below = origin.HiddenIn is { } h ? $"; layer {h} has it" : "";
            return $"{origin.Path}: deleted by layer {origin.Layer} ({origin.Detail}){via}; {ids}{below}";
        }
        string merged = origin.MergedWith.Count == 0 ? "" : $", merged with layer{(origin.MergedWith.Count > 1 ? "s" : "")} {string.Join(", ", origin.MergedWith)}";
        return $"{origin.Path}: layer {origin.Layer} ({origin.Detail}{merged}){via}; {ids}";
    }
}
