using System.Net;
using System.Net.Http.Headers;

namespace Strata.Image.Tests.Support;

/// <summary>Uploads blobs (POST then monolithic PUT) and manifests through the distribution API, as a test's own push.</summary>
public sealed class RegistryPusher : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;

    public RegistryPusher(Uri baseUri, HttpMessageHandler? handler = null)
    {
        _base = baseUri;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
    }

    public void Dispose() => _http.Dispose();

    public Digest PushBlob(string repository, byte[] data)
    {
        Digest digest = Digest.Of(data);
        using HttpResponseMessage start = _http.PostAsync(new Uri(_base, $"v2/{repository}/blobs/uploads/"), null).GetAwaiter().GetResult();
        if (start.StatusCode != HttpStatusCode.Accepted || start.Headers.Location is not { } location)
            throw new InvalidOperationException($"upload start for {repository}: {(int)start.StatusCode}");
        Uri upload = location.IsAbsoluteUri ? location : new Uri(_base, location);
        string separator = upload.Query.Length > 0 ? "&" : "?";
        using var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using HttpResponseMessage put = _http.PutAsync(new Uri(upload + separator + "digest=" + Uri.EscapeDataString(digest.ToString())), content).GetAwaiter().GetResult();
        if (put.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"upload of {digest} to {repository}: {(int)put.StatusCode} {put.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        return digest;
    }

    public Digest PushManifest(string repository, string reference, byte[] manifest, string mediaType)
    {
        using var content = new ByteArrayContent(manifest);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using HttpResponseMessage put = _http.PutAsync(new Uri(_base, $"v2/{repository}/manifests/{reference}"), content).GetAwaiter().GetResult();
        if (put.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"manifest {repository}:{reference}: {(int)put.StatusCode} {put.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        return Digest.Of(manifest);
    }
}
