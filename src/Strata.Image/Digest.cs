using System.Security.Cryptography;
using System.Text;

namespace Strata.Image;

/// <summary>A content digest <c>sha256:HEX</c> (the only algorithm we accept; 64 lower-case hex digits).</summary>
public readonly record struct Digest
{
    public const string Sha256Prefix = "sha256:";

    private Digest(string hex) => Hex = hex;

    /// <summary>The 64 hex digits, without the algorithm.</summary>
    public string Hex { get; }

    public override string ToString() => Sha256Prefix + Hex;

    /// <summary>The first 12 hex digits, as docker shows image ids.</summary>
    public string Short => Hex[..12];

    public static Digest Parse(string text)
    {
        if (!TryParse(text, out Digest digest))
            throw new ImageException($"invalid digest '{text}': expected sha256: and 64 lower-case hex digits");
        return digest;
    }

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || !text.StartsWith(Sha256Prefix, StringComparison.Ordinal) || text.Length != Sha256Prefix.Length + 64)
            return false;
        string hex = text[Sha256Prefix.Length..];
        foreach (char c in hex)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
                return false;
        }
        digest = new Digest(hex);
        return true;
    }

    public static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    public static Digest Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    public static Digest Of(string text) => Of(Encoding.UTF8.GetBytes(text));
}
