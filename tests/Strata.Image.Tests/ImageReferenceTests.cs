namespace Strata.Image.Tests;

public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("alpine", "docker.io", "library/alpine", "latest")]
    [InlineData("alpine:3.20", "docker.io", "library/alpine", "3.20")]
    [InlineData("user/app", "docker.io", "user/app", "latest")]
    [InlineData("docker.io/library/alpine:edge", "docker.io", "library/alpine", "edge")]
    [InlineData("index.docker.io/user/app", "docker.io", "user/app", "latest")]
    [InlineData("127.0.0.1:5000/demo/busybox:1", "127.0.0.1:5000", "demo/busybox", "1")]
    [InlineData("localhost/app", "localhost", "app", "latest")]
    [InlineData("localhost:5000/a/b/c:v1.2-rc_3", "localhost:5000", "a/b/c", "v1.2-rc_3")]
    [InlineData("ghcr.io/org/my-app__x.y:tag", "ghcr.io", "org/my-app__x.y", "tag")]
    public void Parses_names_as_docker_does(string text, string registry, string repository, string tag)
    {
        ImageReference r = ImageReference.Parse(text);
        Assert.Equal(registry, r.Registry);
        Assert.Equal(repository, r.Repository);
        Assert.Equal(tag, r.Tag);
        Assert.Null(r.Digest);
        Assert.Equal(tag, r.ManifestReference);
    }

    [Fact]
    public void A_digest_pins_the_manifest()
    {
        string hex = new('a', 64);
        ImageReference r = ImageReference.Parse($"host:5000/x@sha256:{hex}");
        Assert.Equal("host:5000", r.Registry);
        Assert.Null(r.Tag);
        Assert.Equal($"sha256:{hex}", r.ManifestReference);
        Assert.Equal($"host:5000/x@sha256:{hex}", r.ToString());

        ImageReference both = ImageReference.Parse($"x:1@sha256:{hex}");
        Assert.Equal("1", both.Tag);
        Assert.Equal($"sha256:{hex}", both.ManifestReference);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER")]
    [InlineData("a//b")]
    [InlineData("a:")]
    [InlineData("a:bad/tag")]
    [InlineData("x@sha256:abc")]
    [InlineData("x@md5:0123")]
    [InlineData("-leading")]
    [InlineData("host:5000/")]
    public void Refuses_invalid_references_with_a_message(string text)
    {
        var e = Assert.ThrowsAny<ImageException>(() => ImageReference.Parse(text));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Digests_are_sha256_with_64_lower_case_hex_digits()
    {
        Assert.True(Digest.TryParse("sha256:" + new string('0', 64), out _));
        Assert.False(Digest.TryParse("sha256:" + new string('A', 64), out _));
        Assert.False(Digest.TryParse("sha512:" + new string('0', 64), out _));
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.Of([]).ToString());
    }

    [Fact]
    public void Platforms_parse_and_select_from_an_index()
    {
        Assert.Equal(new Platform("linux", "arm64", "v8"), Platform.Parse("linux/arm64/v8"));
        Assert.Throws<ImageException>(() => Platform.Parse("linux"));
        var index = new Json.ImageIndex
        {
            Manifests =
            [
                new() { Digest = "a", Platform = new() { Os = "linux", Architecture = "arm", Variant = "v7" } },
                new() { Digest = "b", Platform = new() { Os = "linux", Architecture = "amd64" } },
            ],
        };
        Assert.Equal("b", Platform.Parse("linux/amd64").Select(index, "x").Digest);
        Assert.Equal("a", Platform.Parse("linux/arm").Select(index, "x").Digest);
        var e = Assert.Throws<ImageException>(() => Platform.Parse("linux/s390x").Select(index, "index x"));
        Assert.Contains("linux/arm/v7, linux/amd64", e.Message, StringComparison.Ordinal);
    }
}
