using Strata.Image.Json;
using Strata.Image.Registry;

namespace Strata.Image;

/// <summary>
/// Checks an index, manifest or config from a registry before anything is fetched on its word: lists and
/// entries present (JSON null included), digests well formed, sizes not negative and within bounds, layer
/// media types known, one diff id per layer. Each error is one line naming the document and the entry.
/// </summary>
public static class ManifestChecks
{
    /// <summary>Configs are read into memory whole; real ones are a few KiB.</summary>
    public const long MaxConfigBytes = 16 << 20;

    public static void CheckIndex(ImageIndex index, string what)
    {
        if (index.Manifests is null)
            throw new ImageException($"{what}: no 'manifests' list");
        for (int i = 0; i < index.Manifests.Count; i++)
            CheckDescriptor(index.Manifests[i], $"{what}: manifest {i}", RegistryClient.MaxManifestBytes);
    }

    public static void CheckManifest(ImageManifest manifest, string what)
    {
        if (manifest.Config is null || manifest.Layers is null)
            throw new ImageException($"{what}: no config or no layers (schema {manifest.SchemaVersion}; only schema 2 and OCI are supported)");
        CheckDescriptor(manifest.Config, $"{what}: config", MaxConfigBytes);
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            Descriptor layer = CheckDescriptor(manifest.Layers[i], $"{what}: layer {i}", long.MaxValue);
            try
            {
                MediaTypes.LayerCompressionOf(layer.MediaType);
            }
            catch (ImageException e)
            {
                throw new ImageException($"{what}: layer {i} ({layer.Digest}): {e.Message}", e);
            }
        }
    }

    /// <summary>The config's diff ids, one per layer of the manifest, parsed.</summary>
    public static IReadOnlyList<Digest> DiffIds(ImageConfig config, int layers, string what)
    {
        IReadOnlyList<string?> texts = (IReadOnlyList<string?>?)config.RootFs?.DiffIds ?? [];
        if (texts.Count != layers)
            throw new ImageException($"{what}: the manifest has {layers} layers, the config {texts.Count} diff ids");
        var diffIds = new List<Digest>(texts.Count);
        for (int i = 0; i < texts.Count; i++)
        {
            if (!Digest.TryParse(texts[i], out Digest diffId))
                throw new ImageException($"{what}: diff id {i} '{texts[i]}' is not a sha256 digest");
            diffIds.Add(diffId);
        }
        return diffIds;
    }

    private static Descriptor CheckDescriptor(Descriptor? descriptor, string what, long maxSize)
    {
        if (descriptor is null)
            throw new ImageException($"{what}: null where a descriptor belongs");
        if (!Digest.TryParse(descriptor.Digest, out _))
            throw new ImageException($"{what}: invalid digest '{descriptor.Digest}' (expected sha256: and 64 lower-case hex digits)");
        if (descriptor.Size < 0)
            throw new ImageException($"{what} ({descriptor.Digest}): negative size {descriptor.Size}");
        if (descriptor.Size > maxSize)
            throw new ImageException($"{what} ({descriptor.Digest}): size {descriptor.Size} is more than the {maxSize} bytes such a blob may have");
        descriptor.MediaType ??= "";
        return descriptor;
    }
}
