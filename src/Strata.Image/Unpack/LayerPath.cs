using System.Text;
using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Unpack;

/// <summary>
/// A tar entry's path split into components, checked for what could leave the layer dir or could not be
/// stored faithfully: absolute paths, <c>..</c>, NUL bytes, names over NAME_MAX, paths over PATH_MAX, and
/// names that are not UTF-8 (System.Formats.Tar turns those into U+FFFD, so two names could become one);
/// <c>.</c> and empty components are dropped.
/// </summary>
public static class LayerPath
{
    public static byte[][] Split(string path, string entryName)
    {
        if (path.StartsWith('/'))
            throw new HostileLayerException($"layer entry '{entryName}': absolute path refused");
        CheckText(path, entryName, "path");
        var components = new List<byte[]>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
                continue;
            if (part == "..")
                throw new HostileLayerException($"layer entry '{entryName}': '..' in the path refused");
            byte[] bytes = Encoding.UTF8.GetBytes(part);
            if (bytes.Length > Sys.NameMax)
                throw new HostileLayerException($"layer entry '{entryName}': a name of {bytes.Length} bytes is longer than NAME_MAX ({Sys.NameMax})");
            components.Add(bytes);
        }
        return [.. components];
    }

    /// <summary>A symlink's or hard link's target: no NUL, not over PATH_MAX, valid UTF-8 (where it points is checked where it is used).</summary>
    public static void CheckLinkTarget(string target, string entryName)
    {
        if (target.Length == 0)
            throw new HostileLayerException($"layer entry '{entryName}': empty link target");
        CheckText(target, entryName, "link target");
    }

    private static void CheckText(string text, string entryName, string what)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
            throw new HostileLayerException($"layer entry '{Printable.Of(entryName)}': NUL byte in the {what}");
        if (text.Contains('\uFFFD', StringComparison.Ordinal))
            throw new HostileLayerException($"layer entry '{Printable.Of(entryName)}': the {what} is not valid UTF-8");
        int length = Encoding.UTF8.GetByteCount(text);
        if (length >= Sys.PathMax)
            throw new HostileLayerException($"layer entry '{Printable.Of(entryName)[..Math.Min(entryName.Length, 80)]}...': a {what} of {length} bytes is longer than PATH_MAX ({Sys.PathMax})");
    }
}
