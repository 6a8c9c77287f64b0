using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>What the store knows of one unpacked layer (<c>layerdb/sha256/CHAINHEX.json</c>).</summary>
public sealed class LayerRecord
{
    [JsonPropertyName("chainId")]
    public string ChainId { get; set; } = "";

    [JsonPropertyName("diffId")]
    public string DiffId { get; set; } = "";

    [JsonPropertyName("parent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Parent { get; set; }

    /// <summary>The dir name under overlay2/.</summary>
    [JsonPropertyName("cacheId")]
    public string CacheId { get; set; } = "";

    /// <summary>Bytes of file data in the unpacked layer.</summary>
    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("blobDigest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BlobDigest { get; set; }
}

/// <summary>What the store knows of one image (<c>imagedb/sha256/CONFIGHEX.json</c>); the id is the config digest.</summary>
public sealed class ImageRecord
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("manifestDigest")]
    public string ManifestDigest { get; set; } = "";

    [JsonPropertyName("manifestMediaType")]
    public string ManifestMediaType { get; set; } = "";

    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; set; }

    /// <summary>Chain ids, bottom first.</summary>
    [JsonPropertyName("layers")]
    public List<string> Layers { get; set; } = [];

    [JsonPropertyName("size")]
    public long Size { get; set; }
}

/// <summary>Name:tag to image id (<c>repositories.json</c>).</summary>
public sealed class RepositoriesFile
{
    [JsonPropertyName("tags")]
    public SortedDictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
}
