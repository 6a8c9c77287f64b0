using System.Globalization;
using Strata.Image;
using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// strata inspect [--root DIR] IMAGE: the manifest, the config, and per layer its blob digest, diff id,
/// chain id, size, created_by and its dir in the store; --manifest or --config prints that JSON as stored.
/// </summary>
internal static class InspectCommand
{
    private const string UsageLine = "strata inspect [--root DIR] [--manifest | --config] IMAGE";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], ["--manifest", "--config"], UsageLine);
        string name = parsed.Single("image", UsageLine);
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            ImageRecord image = new ImageStore(layout).Resolve(name);
            var blobs = new OciLayoutStore(layout);
            var layers = new LayerStore(layout);
            Digest configDigest = Digest.Parse(image.Id);
            if (parsed.Has("--manifest") || parsed.Has("--config"))
            {
                if (parsed.Has("--manifest") && parsed.Has("--config"))
                    throw new CliException($"give --manifest or --config, not both; usage: {UsageLine}", ExitCodes.Usage);
                using Stream raw = Console.OpenStandardOutput();
                raw.Write(blobs.ReadAll(parsed.Has("--manifest") ? Digest.Parse(image.ManifestDigest) : configDigest));
                return ExitCodes.Ok;
            }
            ImageConfig config = JsonFiles.Parse(blobs.ReadAll(configDigest), ImageJsonContext.Default.ImageConfig, $"config {configDigest}");
            Digest manifestDigest = Digest.Parse(image.ManifestDigest);
            ImageManifest manifest = JsonFiles.Parse(blobs.ReadAll(manifestDigest), ImageJsonContext.Default.ImageManifest, $"manifest {manifestDigest}");
            var names = new ImageStore(layout).List().Where(t => t.Image.Id == image.Id && t.Name != "<none>").Select(t => $"{t.Name}:{t.Tag}");
            List<HistoryEntry> history = (config.History ?? []).Where(h => !h.EmptyLayer).ToList();

            var o = Console.Out;
            o.WriteLine($"Id:         {image.Id}");
            o.WriteLine($"Names:      {string.Join(", ", names)}");
            o.WriteLine($"Manifest:   {image.ManifestDigest} ({image.ManifestMediaType})");
            o.WriteLine($"Config:     {image.Id} ({manifest.Config?.MediaType})");
            o.WriteLine($"Created:    {Units.Time(config.Created)}");
            o.WriteLine($"Platform:   {config.Os}/{config.Architecture}{(config.Variant is null ? "" : "/" + config.Variant)}");
            o.WriteLine($"Size:       {Units.Size(image.Size)} ({image.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
            o.WriteLine($"Layers:     {image.Layers.Count}");
            for (int i = 0; i < image.Layers.Count; i++)
            {
                LayerRecord layer = layers.Get(Digest.Parse(image.Layers[i]));
                Descriptor? blob = manifest.Layers is { } l && i < l.Count ? l[i] : null;
                o.WriteLine($"  [{i}] digest:     {blob?.Digest ?? layer.BlobDigest}");
                o.WriteLine($"      media type: {blob?.MediaType}");
                o.WriteLine($"      blob size:  {blob?.Size.ToString(CultureInfo.InvariantCulture)}");
                o.WriteLine($"      diff id:    {layer.DiffId}");
                o.WriteLine($"      chain id:   {layer.ChainId}");
                o.WriteLine($"      size:       {Units.Size(layer.Size)}");
                o.WriteLine($"      created by: {(i < history.Count ? history[i].CreatedBy : null) ?? "-"}");
                o.WriteLine($"      dir:        {layers.DiffDir(layer)}");
            }
            return ExitCodes.Ok;
        });
    }
}
