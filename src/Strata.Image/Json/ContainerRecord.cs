using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>
/// A writable layer mounted over an image (<c>containers/ID.json</c>): its dir <c>overlay2/ID</c>, the image,
/// where it is mounted, how, and the source name the mount carries (which tells whether the mount is still there).
/// </summary>
public sealed class ContainerRecord
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = "";

    [JsonPropertyName("imageId")]
    public string ImageId { get; set; } = "";

    [JsonPropertyName("rootfs")]
    public string RootFs { get; set; } = "";

    [JsonPropertyName("driver")]
    public string Driver { get; set; } = "";

    [JsonPropertyName("mountSource")]
    public string MountSource { get; set; } = "";

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }
}
