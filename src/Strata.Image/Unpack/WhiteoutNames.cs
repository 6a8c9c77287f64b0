namespace Strata.Image.Unpack;

/// <summary>
/// The OCI names for deletions in a layer tar and the overlay forms they become. The constants are the same
/// as Strata.Union's OverlayFormat (internal to the engine, so not reachable from here): keep them in step.
/// </summary>
public static class WhiteoutNames
{
    public static ReadOnlySpan<byte> Prefix => ".wh."u8;

    public static ReadOnlySpan<byte> OpaqueMarker => ".wh..wh..opq"u8;

    public static ReadOnlySpan<byte> OpaqueXattr => "trusted.overlay.opaque"u8;

    public const byte OpaqueYes = (byte)'y';

    /// <summary>The overlay's own xattrs: a layer tar may not set them (only its .wh. entries may).</summary>
    public const string PrivateXattrPrefix = "trusted.overlay.";
}
