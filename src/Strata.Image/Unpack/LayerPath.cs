using System.Text;

namespace Strata.Image.Unpack;

/// <summary>
/// A tar entry's path split into components, checked for what could leave the layer dir: absolute paths,
/// <c>..</c>, NUL bytes and names over NAME_MAX are refused; <c>.</c> and empty components are dropped.
/// </summary>
public static class LayerPath
{
    public static byte[][] Split(string path, string entryName)
    {
        if (path.StartsWith('/'))
            throw new HostileLayerException($"layer entry '{entryName}': absolute path refused");
        var components = new List<byte[]>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
                continue;
            if (part == "..")
                throw new HostileLayerException($"layer entry '{entryName}': '..' in the path refused");
            byte[] bytes = Encoding.UTF8.GetBytes(part);
            if (bytes.Length > Strata.Posix.Posix.NameMax)
                throw new HostileLayerException($"layer entry '{entryName}': a name of {bytes.Length} bytes is longer than NAME_MAX ({Strata.Posix.Posix.NameMax})");
            if (Array.IndexOf(bytes, (byte)0) >= 0)
                throw new HostileLayerException($"layer entry '{entryName}': NUL byte in the name");
            components.Add(bytes);
        }
        return [.. components];
    }
}
