using System.Text.Json.Serialization;

namespace Strata.Image.Json;

/// <summary>Source-generated (AOT-friendly) JSON for every model of the image store.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(MediaTypeProbe))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(DockerConfigFile))]
[JsonSerializable(typeof(LayerRecord))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(RepositoriesFile))]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
public sealed partial class ImageJsonContext : JsonSerializerContext;
