using System.Text.RegularExpressions;

namespace Strata.Image;

/// <summary>
/// An image reference with Docker's rules: <c>alpine</c> is <c>docker.io/library/alpine:latest</c>; the first
/// component is a registry when it has a '.' or ':' or is <c>localhost</c>; <c>NAME@sha256:...</c> pins a digest.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, Digest? Digest)
{
    public const string DockerHub = "docker.io";
    public const string DefaultTag = "latest";

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex PathComponent();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?$")]
    private static partial Regex HostPattern();

    /// <summary>The name without tag or digest: <c>registry/repository</c>.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>What the registry is asked for: the digest when pinned, else the tag.</summary>
    public string ManifestReference => Digest?.ToString() ?? Tag ?? DefaultTag;

    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    public static ImageReference Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ImageException("empty image reference");
        string rest = text;
        Digest? digest = null;
        int at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Image.Digest.TryParse(rest[(at + 1)..], out Digest d))
                throw new ImageException($"invalid image reference '{text}': the digest after '@' must be sha256: and 64 lower-case hex digits");
            digest = d;
            rest = rest[..at];
        }
        string? tag = null;
        int slash = rest.LastIndexOf('/');
        int colon = rest.LastIndexOf(':');
        if (colon > slash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
                throw new ImageException($"invalid image reference '{text}': bad tag '{tag}'");
        }
        string registry = DockerHub;
        int first = rest.IndexOf('/', StringComparison.Ordinal);
        if (first >= 0)
        {
            string head = rest[..first];
            if (head.Contains('.', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal) || head == "localhost" || head.StartsWith('['))
            {
                if (!HostPattern().IsMatch(head))
                    throw new ImageException($"invalid image reference '{text}': bad registry host '{head}'");
                registry = head;
                rest = rest[(first + 1)..];
            }
        }
        if (registry is "index.docker.io" or "registry-1.docker.io")
            registry = DockerHub;
        if (rest.Length == 0)
            throw new ImageException($"invalid image reference '{text}': no repository name");
        foreach (string component in rest.Split('/'))
        {
            if (!PathComponent().IsMatch(component))
                throw new ImageException($"invalid image reference '{text}': '{component}' is not a valid name component (lower-case letters, digits, separators . _ __ -)");
        }
        if (registry == DockerHub && !rest.Contains('/', StringComparison.Ordinal))
            rest = "library/" + rest;
        if (rest.Length + registry.Length + 1 > 255)
            throw new ImageException($"invalid image reference '{text}': name longer than 255 characters");
        if (tag is null && digest is null)
            tag = DefaultTag;
        return new ImageReference(registry, rest, tag, digest);
    }
}
