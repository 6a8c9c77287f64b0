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
        : this(tls: false)
    {
    }

    /// <summary>A registry that serves HTTPS with a self-signed certificate for 127.0.0.1 (what --insecure is for).</summary>
    public static RegistryFixture WithTls() => new(tls: true);

    private RegistryFixture(bool tls)
    {
        Tls = tls;
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
            {(tls ? TlsConfig() : "")}
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

    public bool Tls { get; }

    public string Dir { get; }

    public string StorageDir { get; }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"{(Tls ? "https" : "http")}://{Host}/");

    /// <summary>A handler for the test's own requests: the TLS registry's certificate is self-signed.</summary>
    public HttpMessageHandler NewHandler()
    {
        var handler = new SocketsHttpHandler();
        if (Tls)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return handler;
    }

    /// <summary>The http.tls section: a fresh self-signed certificate for 127.0.0.1, as PEM files next to the config.</summary>
    private string TlsConfig()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string certFile = Path.Combine(Dir, "cert.pem");
        string keyFile = Path.Combine(Dir, "key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return $"""
              tls:
                certificate: {certFile}
                key: {keyFile}
            """;
    }

    private void WaitUntilReady()
    {
        using var http = new HttpClient(NewHandler()) { Timeout = TimeSpan.FromSeconds(2) };
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
