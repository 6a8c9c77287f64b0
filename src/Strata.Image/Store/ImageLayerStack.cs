using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>The read-only layers of an image as a mount wants them: top first, as diff dirs or as overlay2 short links.</summary>
public sealed class ImageLayerStack
{
    private readonly LayerStore _layers;
    private readonly IReadOnlyList<LayerRecord> _topFirst;

    public ImageLayerStack(StoreLayout layout, ImageRecord image)
    {
        _layers = new LayerStore(layout);
        _topFirst = image.Layers.Select(id => _layers.Get(Digest.Parse(id))).Reverse().ToList();
    }

    public int Count => _topFirst.Count;

    /// <summary>Absolute diff dirs, top first.</summary>
    public IReadOnlyList<string> DiffDirs => _topFirst.Select(_layers.DiffDir).ToList();

    /// <summary><c>l/SHORT</c> of every layer, top first, relative to overlay2/ (what keeps a kernel option string short).</summary>
    public IReadOnlyList<string> ShortLinks =>
        _topFirst.Select(l => "l/" + File.ReadAllText(Path.Combine(_layers.LayerDir(l), "link")).Trim()).ToList();
}
