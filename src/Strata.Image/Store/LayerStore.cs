using System.Security.Cryptography;
using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>
/// The overlay2 tree: <c>overlay2/ID/{diff,link,lower,work,merged}</c> and <c>overlay2/l/SHORT</c> →
/// <c>../ID/diff</c> (short names keep a kernel mount's option string within a page), plus a record per layer
/// in <c>layerdb/sha256/CHAINHEX.json</c>. A layer dir is named by its chain id, so images that share a
/// layer share it on disk. A layer counts as present only once its record is written, which happens last.
/// </summary>
public sealed class LayerStore
{
    private const string ShortIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int ShortIdLength = 26;

    private readonly StoreLayout _layout;

    public LayerStore(StoreLayout layout)
    {
        _layout = layout;
    }

    public string LayerDir(LayerRecord layer) => Path.Combine(_layout.Overlay2Dir, layer.CacheId);

    public string DiffDir(LayerRecord layer) => Path.Combine(LayerDir(layer), "diff");

    private string RecordPath(Digest chainId) => Path.Combine(_layout.LayerDbDir, chainId.Hex + ".json");

    public LayerRecord? Find(Digest chainId)
    {
        string path = RecordPath(chainId);
        if (!File.Exists(path))
            return null;
        LayerRecord record = JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.LayerRecord, path);
        return Directory.Exists(DiffDir(record)) ? record : null;
    }

    public LayerRecord Get(Digest chainId) =>
        Find(chainId) ?? throw new ImageException($"layer {chainId} is missing from the store {_layout.Root}");

    /// <summary>A staging dir with an empty <c>diff/</c> to unpack into; see <see cref="Commit"/>.</summary>
    public StagingDir BeginLayer()
    {
        var staging = _layout.CreateStaging("layer");
        Directory.CreateDirectory(Path.Combine(staging.Path, "diff"));
        return staging;
    }

    /// <summary>Moves a fully unpacked, verified layer into overlay2/ and records it.</summary>
    public LayerRecord Commit(StagingDir staging, Digest chainId, Digest diffId, Digest? parentChainId, long size, Digest blobDigest)
    {
        string shortId = NewShortId();
        string lower = "";
        if (parentChainId is { } parentId)
        {
            LayerRecord parent = Get(parentId);
            string parentShort = File.ReadAllText(Path.Combine(LayerDir(parent), "link")).Trim();
            string parentLower = File.Exists(Path.Combine(LayerDir(parent), "lower")) ? File.ReadAllText(Path.Combine(LayerDir(parent), "lower")).Trim() : "";
            lower = parentLower.Length == 0 ? $"l/{parentShort}" : $"l/{parentShort}:{parentLower}";
        }
        File.WriteAllText(Path.Combine(staging.Path, "link"), shortId);
        if (lower.Length > 0)
            File.WriteAllText(Path.Combine(staging.Path, "lower"), lower);
        Directory.CreateDirectory(Path.Combine(staging.Path, "work"));
        Directory.CreateDirectory(Path.Combine(staging.Path, "merged"));

        var record = new LayerRecord
        {
            ChainId = chainId.ToString(),
            DiffId = diffId.ToString(),
            Parent = parentChainId?.ToString(),
            CacheId = chainId.Hex,
            Size = size,
            BlobDigest = blobDigest.ToString(),
        };
        string target = LayerDir(record);
        // A dir without a record is what an interrupted pull left: it was never in use.
        if (Directory.Exists(target))
            TreeDeleter.Delete(target);
        Directory.Move(staging.Path, target);
        File.CreateSymbolicLink(Path.Combine(_layout.ShortLinksDir, shortId), $"../{record.CacheId}/diff");
        JsonFiles.WriteAtomically(RecordPath(chainId), JsonFiles.Serialize(record, ImageJsonContext.Default.LayerRecord));
        return record;
    }

    /// <summary>Every layer record, present or not.</summary>
    public IReadOnlyList<LayerRecord> All()
    {
        if (!Directory.Exists(_layout.LayerDbDir))
            return [];
        return Directory.EnumerateFiles(_layout.LayerDbDir, "*.json")
            .Select(path => JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.LayerRecord, path))
            .ToList();
    }

    /// <summary>Removes a layer: its record first (so it stops counting as present), then its short link and dir.</summary>
    public void Remove(LayerRecord layer)
    {
        File.Delete(RecordPath(Digest.Parse(layer.ChainId)));
        string linkFile = Path.Combine(LayerDir(layer), "link");
        if (File.Exists(linkFile) && File.ReadAllText(linkFile).Trim() is { Length: > 0 } shortId && !shortId.Contains('/', StringComparison.Ordinal))
            File.Delete(Path.Combine(_layout.ShortLinksDir, shortId));
        TreeDeleter.Delete(LayerDir(layer));
    }

    private static string NewShortId()
    {
        Span<char> id = stackalloc char[ShortIdLength];
        for (int i = 0; i < id.Length; i++)
            id[i] = ShortIdAlphabet[RandomNumberGenerator.GetInt32(ShortIdAlphabet.Length)];
        return new string(id);
    }
}
