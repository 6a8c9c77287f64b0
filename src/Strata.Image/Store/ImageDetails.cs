using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>One layer of an image as the commands show it: its record, its dir, its blob and the history step that made it.</summary>
public sealed record ImageLayerDetails(int Index, LayerRecord Record, string DiffDir, Descriptor? Blob, string? CreatedBy);

/// <summary>An image with its manifest, its config and its layers (bottom first), read from the store.</summary>
public sealed class ImageDetails
{
    private ImageDetails(ImageRecord image, ImageManifest manifest, ImageConfig config, IReadOnlyList<ImageLayerDetails> layers)
    {
        Image = image;
        Manifest = manifest;
        Config = config;
        Layers = layers;
    }

    public ImageRecord Image { get; }

    public ImageManifest Manifest { get; }

    public ImageConfig Config { get; }

    /// <summary>Bottom first, as the manifest lists them.</summary>
    public IReadOnlyList<ImageLayerDetails> Layers { get; }

    /// <summary>The diff dirs, bottom first.</summary>
    public IReadOnlyList<string> DiffDirs => Layers.Select(l => l.DiffDir).ToList();

    public static ImageDetails Load(StoreLayout layout, ImageRecord image)
    {
        var blobs = new OciLayoutStore(layout);
        var layers = new LayerStore(layout);
        Digest configDigest = Digest.Parse(image.Id);
        Digest manifestDigest = Digest.Parse(image.ManifestDigest);
        ImageConfig config = JsonFiles.Parse(blobs.ReadAll(configDigest), ImageJsonContext.Default.ImageConfig, $"config {configDigest}");
        ImageManifest manifest = JsonFiles.Parse(blobs.ReadAll(manifestDigest), ImageJsonContext.Default.ImageManifest, $"manifest {manifestDigest}");
        // History steps that made no layer (ENV, CMD, ...) are marked empty_layer; the others match the layers in order.
        List<HistoryEntry> history = (config.History ?? []).Where(h => !h.EmptyLayer).ToList();
        var details = new List<ImageLayerDetails>(image.Layers.Count);
        for (int i = 0; i < image.Layers.Count; i++)
        {
            LayerRecord record = layers.Get(Digest.Parse(image.Layers[i]));
            Descriptor? blob = manifest.Layers is { } l && i < l.Count ? l[i] : null;
            details.Add(new ImageLayerDetails(i, record, layers.DiffDir(record), blob, i < history.Count ? history[i].CreatedBy : null));
        }
        return new ImageDetails(image, manifest, config, details);
    }
}
