using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>
/// One image of a <c>docker save</c> archive's <c>manifest.json</c>: the config's path, the names, and the
/// layer tars' paths, bottom first (<c>HEX.tar</c> or <c>ID/layer.tar</c>; <c>blobs/sha256/HEX</c> since Docker 25).
/// </summary>
public sealed class DockerArchiveEntry
{
    [JsonPropertyName("Config")]
    public string Config { get; set; } = "";

    [JsonPropertyName("RepoTags")]
    public List<string>? RepoTags { get; set; }

    [JsonPropertyName("Layers")]
    public List<string> Layers { get; set; } = [];
}
