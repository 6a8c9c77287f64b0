using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>An image manifest (OCI or Docker schema 2): one config and the layers, bottom first.</summary>
public sealed class ImageManifest
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; }

    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; set; }

    [JsonPropertyName("config")]
    public Descriptor? Config { get; set; }

    [JsonPropertyName("layers")]
    public List<Descriptor>? Layers { get; set; }
}

/// <summary>An image index (OCI) or manifest list (Docker): one manifest per platform.</summary>
public sealed class ImageIndex
{
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; set; } = 2;

    [JsonPropertyName("mediaType")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MediaType { get; set; }

    [JsonPropertyName("manifests")]
    public List<Descriptor> Manifests { get; set; } = [];
}

/// <summary>The <c>oci-layout</c> file of an OCI image layout.</summary>
public sealed class OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")]
    public string ImageLayoutVersion { get; set; } = "1.0.0";
}

/// <summary>The image config: platform, rootfs diff ids and history.</summary>
public sealed class ImageConfig
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; set; }

    [JsonPropertyName("architecture")]
    public string? Architecture { get; set; }

    [JsonPropertyName("os")]
    public string? Os { get; set; }

    [JsonPropertyName("variant")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; set; }

    [JsonPropertyName("rootfs")]
    public RootFs? RootFs { get; set; }

    [JsonPropertyName("history")]
    public List<HistoryEntry>? History { get; set; }
}

public sealed class RootFs
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "layers";

    [JsonPropertyName("diff_ids")]
    public List<string> DiffIds { get; set; } = [];
}

public sealed class HistoryEntry
{
    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; set; }

    [JsonPropertyName("created_by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CreatedBy { get; set; }

    [JsonPropertyName("empty_layer")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EmptyLayer { get; set; }
}

/// <summary>Just the mediaType field, to tell a manifest from an index when the registry's Content-Type is vague.</summary>
public sealed class MediaTypeProbe
{
    [JsonPropertyName("mediaType")]
    public string? MediaType { get; set; }

    [JsonPropertyName("manifests")]
    public List<Descriptor>? Manifests { get; set; }
}

/// <summary>The answer of a token server (<c>token</c> or the OAuth2 <c>access_token</c>).</summary>
public sealed class TokenResponse
{
    [JsonPropertyName("token")]
    public string? Token { get; set; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }
}

/// <summary>The part of <c>~/.docker/config.json</c> we read.</summary>
public sealed class DockerConfigFile
{
    [JsonPropertyName("auths")]
    public Dictionary<string, DockerAuthEntry>? Auths { get; set; }
}

public sealed class DockerAuthEntry
{
    [JsonPropertyName("auth")]
    public string? Auth { get; set; }

    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }
}
