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
            Digest configDigest = Digest.Parse(image.Id);
            if (parsed.Has("--manifest") || parsed.Has("--config"))
            {
                if (parsed.Has("--manifest") && parsed.Has("--config"))
                    throw new CliException($"give --manifest or --config, not both; usage: {UsageLine}", ExitCodes.Usage);
                using Stream raw = Console.OpenStandardOutput();
                raw.Write(blobs.ReadAll(parsed.Has("--manifest") ? Digest.Parse(image.ManifestDigest) : configDigest));
                return ExitCodes.Ok;
            }
            ImageDetails details = ImageDetails.Load(layout, image);
            ImageConfig config = details.Config;
            var names = new ImageStore(layout).List().Where(t => t.Image.Id == image.Id && t.Name != "<none>").Select(t => $"{t.Name}:{t.Tag}");

            var o = Console.Out;
            o.WriteLine($"Id:         {image.Id}");
            o.WriteLine($"Names:      {string.Join(", ", names)}");
            o.WriteLine($"Manifest:   {image.ManifestDigest} ({image.ManifestMediaType})");
            o.WriteLine($"Config:     {image.Id} ({details.Manifest.Config?.MediaType})");
            o.WriteLine($"Created:    {Units.Time(config.Created)}");
            o.WriteLine($"Platform:   {config.Os}/{config.Architecture}{(config.Variant is null ? "" : "/" + config.Variant)}");
            o.WriteLine($"Size:       {Units.Size(image.Size)} ({image.Size.ToString(CultureInfo.InvariantCulture)} bytes)");
            o.WriteLine($"Layers:     {image.Layers.Count}");
            foreach (ImageLayerDetails layer in details.Layers)
            {
                o.WriteLine($"  [{layer.Index}] digest:     {layer.Blob?.Digest ?? layer.Record.BlobDigest}");
                o.WriteLine($"      media type: {layer.Blob?.MediaType}");
                o.WriteLine($"      blob size:  {layer.Blob?.Size.ToString(CultureInfo.InvariantCulture)}");
                o.WriteLine($"      diff id:    {layer.Record.DiffId}");
                o.WriteLine($"      chain id:   {layer.Record.ChainId}");
                o.WriteLine($"      size:       {Units.Size(layer.Record.Size)}");
                o.WriteLine($"      created by: {layer.CreatedBy ?? "-"}");
                o.WriteLine($"      dir:        {layer.DiffDir}");
            }
            return ExitCodes.Ok;
        });
    }
}
