using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>What rmi or prune removed; Strays counts what interrupted writers left (see <see cref="StrayCleaner"/>).</summary>
public sealed record CleanupResult(int Containers, int Layers, int Blobs, int Strays);

/// <summary>
/// rmi and prune: removes images, the writable layers whose mount is gone, and then every layer no image or
/// container uses, every blob index.json no longer reaches, and the strays of interrupted writers. The caller
/// holds the store lock.
/// </summary>
public sealed class StoreCleaner
{
    private readonly ImageStore _images;
    private readonly LayerStore _layers;
    private readonly OciLayoutStore _blobs;
    private readonly ContainerStore _containers;
    private readonly StoreLayout _layout;

    public StoreCleaner(StoreLayout layout)
    {
        _layout = layout;
        _images = new ImageStore(layout);
        _layers = new LayerStore(layout);
        _blobs = new OciLayoutStore(layout);
        _containers = new ContainerStore(layout);
    }

    /// <summary>Removes an image and what only it used; refused while a container record uses it.</summary>
    public CleanupResult RemoveImage(ImageRecord image)
    {
        if (_containers.List().FirstOrDefault(c => c.ImageId == image.Id) is { } user)
        {
            throw new ImageException(
                $"image {Digest.Parse(image.Id).Short} is used by the writable layer {user.Id[..12]} at {user.RootFs}; umount it and run 'strata prune' first");
        }
        _images.Remove(image);
        _blobs.Untag(Digest.Parse(image.ManifestDigest));
        return CollectGarbage(0);
    }

    /// <summary>Removes the writable layers for which <paramref name="isMounted"/> says no, then what nothing uses.</summary>
    public CleanupResult Prune(Func<ContainerRecord, bool> isMounted)
    {
        int containers = 0;
        foreach (ContainerRecord container in _containers.List().Where(c => !isMounted(c)))
        {
            _containers.Remove(container);
            containers++;
        }
        return CollectGarbage(containers);
    }

    private CleanupResult CollectGarbage(int containers)
    {
        IReadOnlyList<ImageRecord> images = _images.All();
        var usedLayers = images.SelectMany(i => i.Layers).ToHashSet(StringComparer.Ordinal);
        int layers = 0;
        foreach (LayerRecord layer in _layers.All().Where(l => !usedLayers.Contains(l.ChainId)))
        {
            _layers.Remove(layer);
            layers++;
        }
        ISet<Digest> keep = _blobs.Reachable();
        foreach (ImageRecord image in images)
        {
            keep.Add(Digest.Parse(image.Id));
            keep.Add(Digest.Parse(image.ManifestDigest));
        }
        foreach (LayerRecord layer in _layers.All())
        {
            if (layer.BlobDigest is { } blob)
                keep.Add(Digest.Parse(blob));
        }
        int strays = StrayCleaner.RemoveStrays(_layout, _layers.All(), _containers.List());
        return new CleanupResult(containers, layers, _blobs.RemoveUnreachable(keep), strays);
    }
}
