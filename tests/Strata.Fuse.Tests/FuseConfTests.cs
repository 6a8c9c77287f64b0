namespace Strata.Fuse.Tests;

/// <summary>An unprivileged mount asks fusermount3 for allow_other only where /etc/fuse.conf lets it (else the mount fails).</summary>
public sealed class FuseConfTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("# mount_max = 1000\n#user_allow_other\n", false)]
    [InlineData("mount_max = 1000\n  user_allow_other  \n", true)]
    [InlineData("user_allow_other # for rootless overlays\n", true)]
    [InlineData("user_allow_others\n", false)]
    public void AllowOtherNeedsAnUncommentedUserAllowOtherLine(string? text, bool allows) =>
        Assert.Equal(allows, FuseConf.AllowsOther(text));
}
