using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Strata.Image.Registry;

namespace Strata.Image.Tests;

/// <summary>Auth and redirects against a scripted HTTP handler: what the client sends, to whom.</summary>
public sealed class RegistryClientTests
{
    private sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(Uri Uri, string? Authorization, string Accept)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!, request.Headers.Authorization?.ToString(), string.Join(",", request.Headers.Accept.Select(a => a.MediaType))));
            return Task.FromResult(answer(request));
        }
    }

    private static readonly byte[] Manifest = Encoding.UTF8.GetBytes("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":null,"layers":[]}""");

    private static HttpResponseMessage ManifestResponse()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Manifest) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciManifest);
        return response;
    }

    [Fact]
    public async Task A_bearer_challenge_gets_a_token_with_the_credentials_and_the_request_is_retried()
    {
        var handler = new ScriptedHandler(request =>
        {
            string uri = request.RequestUri!.ToString();
            if (uri.StartsWith("https://auth.example/token", StringComparison.Ordinal))
            {
                Assert.Equal("https://auth.example/token?service=reg&scope=repository%3Ademo%2Fapp%3Apull", uri);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"token":"T0K"}""") };
            }
            if (request.Headers.Authorization?.ToString() != "Bearer T0K")
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example/token\",service=\"reg\",scope=\"repository:demo/app:pull\"");
                return challenge;
            }
            return ManifestResponse();
        });
        using var client = new RegistryClient("reg.example", plainHttp: false, new DockerCredentials("u", "p"), handler);

        ManifestResponse manifest = await client.GetManifestAsync("demo/app", "1", CancellationToken.None);

        Assert.Equal(Digest.Of(Manifest), manifest.Digest);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:p")), handler.Requests[1].Authorization);
        Assert.Equal("Bearer T0K", handler.Requests[2].Authorization);
        Assert.Equal(string.Join(",", MediaTypes.ManifestAccept), handler.Requests[0].Accept);
        Assert.Equal(string.Join(",", MediaTypes.ManifestAccept), handler.Requests[2].Accept);
        Assert.StartsWith("https://reg.example/v2/demo/app/manifests/1", handler.Requests[0].Uri.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_to_another_host_carries_no_authorization()
    {
        var handler = new ScriptedHandler(request =>
        {
            if (request.RequestUri!.Host == "cdn.example")
                return ManifestResponse();
            if (request.Headers.Authorization is null)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"r\"");
                return challenge;
            }
            var redirect = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
            redirect.Headers.Location = new Uri("https://cdn.example/blob?sig=1");
            return redirect;
        });
        using var client = new RegistryClient("reg.example", plainHttp: false, new DockerCredentials("u", "p"), handler);

        await client.GetManifestAsync("demo/app", "1", CancellationToken.None);

        Assert.Equal(3, handler.Requests.Count);
        Assert.NotNull(handler.Requests[1].Authorization);
        Assert.Equal("cdn.example", handler.Requests[2].Uri.Host);
        Assert.Null(handler.Requests[2].Authorization);
    }

    [Fact]
    public async Task Basic_auth_without_credentials_says_where_they_are_looked_for()
    {
        var handler = new ScriptedHandler(_ =>
        {
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"r\"");
            return challenge;
        });
        using var client = new RegistryClient("reg.example", plainHttp: false, null, handler);
        var e = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("demo/app", "1", CancellationToken.None));
        Assert.Contains("~/.docker/config.json", e.Message, StringComparison.Ordinal);
    }
}
