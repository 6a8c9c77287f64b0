using System.Net;
using System.Net.Http.Headers;
using Strata.Image.Json;

namespace Strata.Image.Registry;

/// <summary>A manifest or index as the registry served it: the exact bytes (their digest is the manifest's id) and type.</summary>
public sealed record ManifestResponse(byte[] Bytes, string MediaType, Digest Digest);

/// <summary>
/// The OCI distribution API (v2) for pulling from one registry: manifests with the full Accept list, blobs,
/// Bearer tokens from the <c>WWW-Authenticate</c> challenge (anonymous or with credentials) or Basic auth,
/// and redirects followed by hand so that <c>Authorization</c> never goes to another host.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private const int MaxRedirects = 10;
    public const int MaxManifestBytes = 4 << 20;

    private readonly HttpClient _http;
    private readonly string _registry;
    private readonly Uri _baseUri;
    private readonly DockerCredentials? _credentials;
    private readonly RetryPolicy _retry;
    private AuthenticationHeaderValue? _authorization;

    public RegistryClient(string registry, bool plainHttp, DockerCredentials? credentials, HttpMessageHandler? handler = null, RetryPolicy? retry = null)
    {
        _registry = registry;
        _retry = retry ?? RetryPolicy.Default;
        string host = registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        _baseUri = new Uri($"{(plainHttp || IsLoopback(host) ? "http" : "https")}://{host}/");
        _credentials = credentials;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _retry.ResponseTimeout,
        })
        {
            // Each attempt has its own bounds (RetryPolicy); this one only stops a request nothing else stopped.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("strata/0.1");
    }

    /// <summary>localhost and loopback addresses get plain HTTP without asking, as docker does.</summary>
    public static bool IsLoopback(string hostAndPort)
    {
        string host = hostAndPort;
        if (host.StartsWith('['))
            host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        else if (host.Count(c => c == ':') == 1)
            host = host[..host.IndexOf(':', StringComparison.Ordinal)];
        return host == "localhost" || (IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip));
    }

    public void Dispose() => _http.Dispose();

    public Task<ManifestResponse> GetManifestAsync(string repository, string reference, CancellationToken cancel) =>
        WithRetriesAsync($"manifest {_registry}/{repository}:{reference}", c => GetManifestOnceAsync(repository, reference, c), cancel);

    /// <summary>
    /// Fetches a blob and hands its body to <paramref name="consume"/> (which stores and verifies it), again on a
    /// fresh request when the fetch or the body fails in a way that may pass, the wrong bytes included: the
    /// consumer must start from scratch on each call and throw <see cref="BlobVerificationException"/> for a
    /// short, long or wrong body.
    /// </summary>
    public Task DownloadBlobAsync(string repository, Digest digest, Func<Stream, CancellationToken, Task> consume, CancellationToken cancel) =>
        WithRetriesAsync($"blob {digest} of {_registry}/{repository}", async c =>
        {
            using HttpResponseMessage response = await GetBlobAsync(repository, digest, c).ConfigureAwait(false);
            await using var body = new StallGuardStream(await response.Content.ReadAsStreamAsync(c).ConfigureAwait(false), _retry.StallTimeout);
            await consume(body, c).ConfigureAwait(false);
            return true;
        }, cancel);

    private async Task<ManifestResponse> GetManifestOnceAsync(string repository, string reference, CancellationToken cancel)
    {
        using HttpResponseMessage response = await SendAsync(new Uri(_baseUri, $"v2/{repository}/manifests/{reference}"), repository,
            MediaTypes.ManifestAccept, $"manifest {_registry}/{repository}:{reference}", cancel).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength > MaxManifestBytes)
            throw new RegistryException($"manifest {_registry}/{repository}:{reference} is larger than {MaxManifestBytes} bytes");
        byte[] bytes = await ReadBoundedAsync(response, MaxManifestBytes, cancel).ConfigureAwait(false);
        if (bytes.Length > MaxManifestBytes)
            throw new RegistryException($"manifest {_registry}/{repository}:{reference} is larger than {MaxManifestBytes} bytes");
        string mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
        {
            // Some registries answer application/json; the document's own mediaType (or its shape) decides.
            MediaTypeProbe probe = JsonFiles.Parse(bytes, ImageJsonContext.Default.MediaTypeProbe, $"manifest {_registry}/{repository}:{reference}");
            mediaType = probe.MediaType ?? (probe.Manifests is not null ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        }
        if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
            throw new RegistryException($"manifest {_registry}/{repository}:{reference} has unsupported media type '{mediaType}'");
        Digest digest = Digest.Of(bytes);
        // The registry's own word on the digest, when it gives it, must match what it sent.
        if (response.Headers.TryGetValues("Docker-Content-Digest", out IEnumerable<string>? claimed)
            && claimed.FirstOrDefault() is { } text && Digest.TryParse(text, out Digest registryDigest) && registryDigest != digest)
            throw new BlobVerificationException($"manifest {_registry}/{repository}:{reference}: the registry says {registryDigest}, the content has digest {digest}");
        return new ManifestResponse(bytes, mediaType, digest);
    }

    /// <summary>Opens a blob (one attempt); the caller reads (and verifies) the body and disposes the response.</summary>
    public Task<HttpResponseMessage> GetBlobAsync(string repository, Digest digest, CancellationToken cancel) =>
        SendAsync(new Uri(_baseUri, $"v2/{repository}/blobs/{digest}"), repository, [], $"blob {digest} of {_registry}/{repository}", cancel);

    private async Task<HttpResponseMessage> SendAsync(Uri uri, string repository, IReadOnlyList<string> accept, string what, CancellationToken cancel)
    {
        bool triedAuth = false;
        Uri current = uri;
        for (int redirects = 0; ; )
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            foreach (string type in accept)
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            // Credentials belong to the registry: a redirect to a CDN or another host gets none.
            if (_authorization is not null && SameOrigin(current, _baseUri))
                request.Headers.Authorization = _authorization;
            HttpResponseMessage response;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                timeout.CancelAfter(_retry.ResponseTimeout);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    throw new TransientException($"cannot reach {current.GetLeftPart(UriPartial.Authority)}: {e.Message}", e);
                }
                catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
                {
                    throw new TransientException($"no answer from {current.GetLeftPart(UriPartial.Authority)} within {_retry.ResponseTimeout.TotalSeconds:0.#} s", e);
                }
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && !triedAuth && SameOrigin(current, _baseUri))
            {
                triedAuth = true;
                AuthenticationHeaderValue? challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
                response.Dispose();
                if (challenge is null)
                    throw new RegistryException($"{what}: 401 Unauthorized without a WWW-Authenticate challenge");
                _authorization = await AuthorizeAsync(AuthChallenge.Parse(challenge.ToString()), repository, what, cancel).ConfigureAwait(false);
                continue;
            }
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (++redirects > MaxRedirects)
                    throw new RegistryException($"{what}: more than {MaxRedirects} redirects");
                current = location.IsAbsoluteUri ? location : new Uri(current, location);
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                string body = await ReadErrorBodyAsync(response, cancel).ConfigureAwait(false);
                var status = response.StatusCode;
                TimeSpan? retryAfter = RetryAfterOf(response);
                response.Dispose();
                string hint = status == HttpStatusCode.Unauthorized ? " (check the credentials in ~/.docker/config.json)" : "";
                throw new RegistryException($"{what}: {(int)status} {status}{hint}{(body.Length > 0 ? ": " + body : "")}", (int)status, retryAfter);
            }
            return response;
        }
    }

    private async Task<AuthenticationHeaderValue> AuthorizeAsync(AuthChallenge challenge, string repository, string what, CancellationToken cancel)
    {
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return _credentials is null
                ? throw new RegistryException($"{what}: the registry wants a user name and password; none in ~/.docker/config.json for {_registry}")
                : new AuthenticationHeaderValue("Basic", _credentials.BasicHeaderValue);
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || challenge["realm"] is not { } realm)
            throw new RegistryException($"{what}: unsupported authentication challenge '{challenge.Scheme}'");
        string query = $"scope={Uri.EscapeDataString(challenge["scope"] ?? $"repository:{repository}:pull")}";
        if (challenge["service"] is { } service)
            query = $"service={Uri.EscapeDataString(service)}&{query}";
        var tokenUri = new Uri(realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query);
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        if (_credentials is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _credentials.BasicHeaderValue);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_retry.ResponseTimeout);
        byte[] body;
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new RegistryException($"{what}: the token server {tokenUri.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode} {response.StatusCode}", (int)response.StatusCode, RetryAfterOf(response));
            body = await ReadBoundedAsync(response, MaxManifestBytes, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new TransientException($"cannot reach the token server {tokenUri.GetLeftPart(UriPartial.Authority)}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new TransientException($"no answer from the token server {tokenUri.GetLeftPart(UriPartial.Authority)} within {_retry.ResponseTimeout.TotalSeconds:0.#} s", e);
        }
        TokenResponse token = JsonFiles.Parse(body, ImageJsonContext.Default.TokenResponse, $"token from {tokenUri.GetLeftPart(UriPartial.Path)}");
        string value = token.Token ?? token.AccessToken ?? throw new RegistryException($"{what}: the token server sent no token");
        return new AuthenticationHeaderValue("Bearer", value);
    }

    /// <summary>Runs one attempt after another until one succeeds, the error is not worth a retry, or the attempts are used up.</summary>
    private async Task<T> WithRetriesAsync<T>(string what, Func<CancellationToken, Task<T>> attempt, CancellationToken cancel)
    {
        for (int n = 1; ; n++)
        {
            try
            {
                return await attempt(cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancel.IsCancellationRequested && IsTransient(e))
            {
                TimeSpan? asked = (e as RegistryException)?.RetryAfter;
                if (asked > _retry.MaxRetryAfter)
                    throw new RegistryException($"{e.Message.TrimEnd('.')}; the registry asks to wait {asked.Value.TotalSeconds:0} s, try again later", e);
                if (n >= _retry.Attempts)
                    throw GaveUp(what, e, n);
                await Task.Delay(asked ?? _retry.Backoff(n), cancel).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        RegistryException { Status: 408 or 429 or 500 or 502 or 503 or 504 } => true,
        TransientException or BodyReadException or BlobVerificationException => true,
        _ => false,
    };

    /// <summary>The last error, with the attempts made; a wrong blob stays a verification error.</summary>
    private static ImageException GaveUp(string what, Exception last, int attempts)
    {
        string cause = last is ImageException && last.Message.StartsWith(what, StringComparison.Ordinal) ? last.Message : $"{what}: {last.Message}";
        string message = $"{cause.TrimEnd('.')} (gave up after {attempts} attempts)";
        return last is BlobVerificationException ? new BlobVerificationException(message, last) : new RegistryException(message, last);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
            return null;
        if (header.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is not { } date)
            return null;
        TimeSpan wait = date - DateTimeOffset.UtcNow;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>A body read to its end, but never more than <paramref name="limit"/> + 1 bytes of it, and failing as a <see cref="BodyReadException"/>.</summary>
    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, CancellationToken cancel)
    {
        await using var body = new StallGuardStream(await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false), _retry.StallTimeout);
        using var bytes = new MemoryStream();
        byte[] buffer = new byte[1 << 16];
        int n;
        while (bytes.Length <= limit && (n = await body.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
            bytes.Write(buffer, 0, n);
        return bytes.ToArray();
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>The start of an error body (a hostile one could be endless), or nothing when it cannot be read.</summary>
    private async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        string body;
        try
        {
            byte[] bytes = await ReadBoundedAsync(response, 4096, cancel).ConfigureAwait(false);
            body = System.Text.Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 4096)));
        }
        catch (BodyReadException)
        {
            return "";
        }
        body = body.ReplaceLineEndings(" ").Trim();
        return body.Length > 300 ? body[..300] + "..." : body;
    }
}

/// <summary>A failure of one request that another attempt may not have (no connection, no answer in time).</summary>
internal sealed class TransientException : Exception
{
    public TransientException()
    {
    }

    public TransientException(string message)
        : base(message)
    {
    }

    public TransientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
