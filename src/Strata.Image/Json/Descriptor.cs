using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>An OCI content descriptor: what a manifest or index says about one blob.</summary>
public sealed class Descriptor
{
    [JsonPropertyName("mediaType")]
    public string MediaType { get; set; } = "";

    [JsonPropertyName("digest")]
    public string Digest { get; set; } = "";

    [JsonPropertyName("size")]
    public long Size { get; set; }

    [JsonPropertyName("platform")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlatformSpec? Platform { get; set; }

    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>The platform of one entry of an index or manifest list.</summary>
public sealed class PlatformSpec
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; set; } = "";

    [JsonPropertyName("os")]
    public string Os { get; set; } = "";

    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; set; }
}
