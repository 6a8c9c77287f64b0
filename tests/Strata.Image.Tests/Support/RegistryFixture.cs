using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Strata.Image.Tests.Support;

/// <summary>
/// A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 on a free port, with its
/// storage in a temp dir. A registry that cannot start fails the tests (never skips them); the process is
/// killed and the temp dir removed on dispose.
/// </summary>
public sealed class RegistryFixture : IDisposable
{
    private const string Binary = "/usr/bin/docker-registry";
    private readonly Process _process;

    public RegistryFixture()
    {
        Dir = Directory.CreateTempSubdirectory("strata-registry-").FullName;
        StorageDir = Path.Combine(Dir, "storage");
        Directory.CreateDirectory(StorageDir);
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: run scripts/install-deps.sh (apt-get install docker-registry)");
        Port = FreePort();
        string config = Path.Combine(Dir, "config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {StorageDir}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
            """);
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        _process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilReady();
    }

    private readonly List<string> _log = [];

    public string Dir { get; }

    public string StorageDir { get; }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{Host}/");

    private void WaitUntilReady()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                break;
            try
            {
                using HttpResponseMessage r = http.GetAsync(new Uri(BaseUri, "v2/")).GetAwaiter().GetResult();
                if (r.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            Thread.Sleep(100);
        }
        string log;
        lock (_log) log = string.Join(" | ", _log.TakeLast(5));
        Dispose();
        throw new InvalidOperationException($"docker-registry did not answer on {Host} within 30 s: {log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Where the registry keeps a blob's bytes (to tamper with them).</summary>
    public string BlobDataPath(Digest digest) =>
        Path.Combine(StorageDir, "docker", "registry", "v2", "blobs", "sha256", digest.Hex[..2], digest.Hex, "data");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        if (Directory.Exists(Dir))
            Directory.Delete(Dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryCollection : ICollectionFixture<RegistryFixture>
{
    public const string Name = "registry";
}
