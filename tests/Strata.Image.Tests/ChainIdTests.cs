using System.Security.Cryptography;
using System.Text;
using Strata.Image.Registry;

namespace Strata.Image.Tests;

public sealed class ChainIdTests
{
    [Fact]
    public void The_first_chain_id_is_the_diff_id_and_the_next_hash_the_parent_and_the_diff_id()
    {
        Digest d0 = Digest.Of("layer 0");
        Digest d1 = Digest.Of("layer 1");
        Digest d2 = Digest.Of("layer 2");
        IReadOnlyList<Digest> chain = ChainId.Compute([d0, d1, d2]);
        Assert.Equal(d0, chain[0]);
        string expected1 = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{d0} {d1}")));
        Assert.Equal(expected1, chain[1].ToString());
        Assert.Equal(Digest.Of($"{chain[1]} {d2}"), chain[2]);
    }

    [Fact]
    public void Auth_challenges_parse_quoted_parameters()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\"");
        Assert.Equal("Bearer", c.Scheme);
        Assert.Equal("https://auth.example/token", c["realm"]);
        Assert.Equal("registry.example", c["service"]);
        Assert.Equal("repository:a/b:pull,push", c["scope"]);
    }

    [Fact]
    public void Credentials_come_from_the_docker_config_auths()
    {
        string dir = Directory.CreateTempSubdirectory("strata-dockercfg-").FullName;
        try
        {
            string path = Path.Combine(dir, "config.json");
            File.WriteAllText(path, """{"auths":{"reg.example:5000":{"auth":"dXNlcjpwYTpzcw=="},"https://index.docker.io/v1/":{"auth":"aHViOmh1Yg=="}}}""");
            Assert.Equal(new DockerCredentials("user", "pa:ss"), DockerCredentials.Find("reg.example:5000", path));
            Assert.Equal(new DockerCredentials("hub", "hub"), DockerCredentials.Find("docker.io", path));
            Assert.Null(DockerCredentials.Find("other.example", path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example", false)]
    public void Loopback_registries_get_plain_http(string host, bool loopback) =>
        Assert.Equal(loopback, RegistryClient.IsLoopback(host));
}
