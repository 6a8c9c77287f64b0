using Strata.Image.Json;

namespace Strata.Image;

/// <summary>What a pull or load stored: the image, and which layers were fetched versus already there.</summary>
public sealed record PullResult(ImageRecord Image, int LayersDownloaded, int LayersPresent);
