namespace Strata.Image.Tests.Support;

/// <summary>Images the CLI tests push to the test registry and pull with the strata command.</summary>
public static class CliImages
{
    /// <summary>Pushes the layer tars (gzip, OCI manifest, host platform) as REPOSITORY:1, pulls them into the store at <paramref name="root"/>, and returns the reference.</summary>
    public static string PushAndPull(RegistryFixture registry, string root, string repository, IReadOnlyList<byte[]> tars, out TestImage image)
    {
        image = new TestImage(tars.Select(t => TestLayer.From(t, LayerCompression.Gzip, oci: true)).ToList(), oci: true, Platform.Host.Architecture);
        using (var pusher = new RegistryPusher(registry.BaseUri))
            image.Push(pusher, repository, "1");
        string reference = $"{registry.Host}/{repository}:1";
        var pull = StrataCli.Run("pull", "-q", "--root", root, reference);
        Assert.True(pull.Code == 0, pull.Err);
        return reference;
    }
}
