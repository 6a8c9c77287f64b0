using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Strata.Image.Json;

/// <summary>JSON parsing with one-line errors that say what was being read.</summary>
public static class JsonFiles
{
    public static T Parse<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new ImageException($"{what}: empty JSON document");
        }
        catch (JsonException e)
        {
            throw new ImageException($"{what}: invalid JSON ({e.Message})", e);
        }
    }

    /// <summary>What the temp file of <see cref="WriteAtomically"/> adds to the name (a killed writer leaves it).</summary>
    public const string TempSuffix = ".tmp-";

    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    /// <summary>Writes a file whole or not at all: a temp file next to it, fsync, rename.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> data)
    {
        string temp = $"{path}{TempSuffix}{Environment.ProcessId}-{Guid.NewGuid():N}";
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(data);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
