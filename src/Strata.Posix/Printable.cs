using System.Text;

namespace Strata.Posix;

/// <summary>
/// Text that came from outside (file names from a tar, mount options, a registry's words) as it can go into a
/// one-line message: control characters, newlines and NUL included, are shown as \xNN escapes.
/// </summary>
public static class Printable
{
    public static string Of(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.Contains('\x7f', StringComparison.Ordinal))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            if (c < ' ' || c == '\x7f')
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
