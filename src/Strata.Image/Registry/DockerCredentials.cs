using System.Text;
using Strata.Image.Json;

namespace Strata.Image.Registry;

/// <summary>User name and password for one registry, from <c>~/.docker/config.json</c> (<c>auths</c> entries only; no helpers yet).</summary>
public sealed record DockerCredentials(string Username, string Password)
{
    private const string DockerHubKey = "https://index.docker.io/v1/";

    public string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));

    /// <summary>The credentials for a registry host, or null when the file or the entry is missing.</summary>
    public static DockerCredentials? Find(string registry, string? configPath = null)
    {
        configPath ??= DefaultConfigPath();
        if (configPath is null || !File.Exists(configPath))
            return null;
        DockerConfigFile config = JsonFiles.Parse(File.ReadAllBytes(configPath), ImageJsonContext.Default.DockerConfigFile, configPath);
        if (config.Auths is null)
            return null;
        foreach ((string key, DockerAuthEntry entry) in config.Auths)
        {
            if (HostOf(key) != (registry == ImageReference.DockerHub ? HostOf(DockerHubKey) : registry))
                continue;
            if (entry.Username is { } user && entry.Password is { } password)
                return new DockerCredentials(user, password);
            if (entry.Auth is { } auth)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException e)
                {
                    throw new ImageException($"{configPath}: the auth of '{key}' is not base64", e);
                }
                int colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                    throw new ImageException($"{configPath}: the auth of '{key}' is not USER:PASSWORD");
                return new DockerCredentials(decoded[..colon], decoded[(colon + 1)..]);
            }
        }
        return null;
    }

    private static string? DefaultConfigPath()
    {
        string? dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (dir is not null)
            return Path.Combine(dir, "config.json");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length == 0 ? null : Path.Combine(home, ".docker", "config.json");
    }

    private static string HostOf(string key)
    {
        string k = key;
        int scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            k = k[(scheme + 3)..];
        int slash = k.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? k[..slash] : k;
    }
}
