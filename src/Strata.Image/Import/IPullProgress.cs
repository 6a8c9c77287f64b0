namespace Strata.Image.Import;

/// <summary>Where a layer of a pull or load is.</summary>
public enum LayerState
{
    /// <summary>To be fetched, once a download slot is free.</summary>
    Waiting,

    /// <summary>The store has the layer already: nothing to fetch.</summary>
    Exists,

    /// <summary>Streaming: downloaded, verified, decompressed and unpacked in one pass.</summary>
    Downloading,

    /// <summary>The blob is in the store already; only unpacking it.</summary>
    Extracting,

    /// <summary>Verified and unpacked; waiting for the layers below it to be in place before it moves in.</summary>
    Unpacked,

    /// <summary>Verified and in the store.</summary>
    Complete,

    Failed,
}

/// <summary>One step of a layer: its index, blob, state, and bytes of the blob done out of its size.</summary>
public readonly record struct LayerProgress(int Index, Digest Blob, LayerState State, long Done, long Total, string? Error = null);

/// <summary>
/// What a pull or load reports while it works. Called from several threads at once (layers are fetched in
/// parallel); an implementation serialises what it prints.
/// </summary>
public interface IPullProgress
{
    /// <summary>A line about the image as a whole (the platform an index resolved to, the image id).</summary>
    void Message(string text);

    void Layer(LayerProgress progress);
}

/// <summary>Reports nothing (-q, and tests).</summary>
public sealed class SilentProgress : IPullProgress
{
    public static readonly SilentProgress Instance = new();

    public void Message(string text)
    {
    }

    public void Layer(LayerProgress progress)
    {
    }
}
