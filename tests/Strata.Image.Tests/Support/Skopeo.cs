namespace Strata.Image.Tests.Support;

/// <summary>skopeo copies from the test registry (plain HTTP on 127.0.0.1) into archives and layouts: realistic load inputs.</summary>
public static class Skopeo
{
    public static void Copy(string source, string destination)
    {
        var run = StrataCli.Tool("skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", source, destination);
        Assert.True(run.Code == 0, $"skopeo copy {source} {destination}: {run.Err}");
    }
}
