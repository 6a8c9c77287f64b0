using Strata.Posix;
using Strata.Union.Options;

namespace Strata.Union.Tests.Options;

public sealed class OverlayOptionsParserTests
{
    private static OverlayOptions Parse(params string[] options) => OverlayOptionsParser.Parse(options, "/base");

    [Fact]
    public void KernelSyntaxWithRelativePaths()
    {
        OverlayOptions o = Parse("lowerdir=./layer1:./layer0,upperdir=./layer2,workdir=./work");
        Assert.Equal(["/base/layer1", "/base/layer0"], o.LowerDirs);
        Assert.Equal("/base/layer2", o.UpperDir);
        Assert.Equal("/base/work", o.WorkDir);
        Assert.False(o.ReadOnly);
    }

    [Fact]
    public void EscapedColonsAndCommasStayInPaths()
    {
        OverlayOptions o = Parse(@"lowerdir=/a\:b:/c\,d,upperdir=/u,workdir=/w");
        Assert.Equal(["/a:b", "/c,d"], o.LowerDirs);
    }

    [Fact]
    public void SeveralOptionStringsAreJoined()
    {
        OverlayOptions o = Parse("lowerdir=/l", "upperdir=/u", "workdir=/w,noatime");
        Assert.Equal("/u", o.UpperDir);
        Assert.Equal(Libc.MS_NOATIME, o.MountFlags & Libc.MS_NOATIME);
    }

    [Fact]
    public void LowerdirAppendAddsLayersTopFirst()
    {
        OverlayOptions o = Parse("lowerdir+=/l1,lowerdir+=/l2,lowerdir+=/l3");
        Assert.Equal(["/l1", "/l2", "/l3"], o.LowerDirs);
        Assert.True(o.ReadOnly);
    }

    [Fact]
    public void GenericMountOptionsAreAccepted()
    {
        OverlayOptions o = Parse("rw,dev,suid,nosuid,nodev,relatime,defaults,lowerdir=/l,x-systemd.automount,allow_other,default_permissions,redirect_dir=off,index=off,xino=auto");
        Assert.Equal(Libc.MS_NOSUID | Libc.MS_NODEV | Libc.MS_RELATIME, o.MountFlags);
    }

    [Fact]
    public void RoMakesTheMountReadOnly()
    {
        OverlayOptions o = Parse("ro,lowerdir=/l,upperdir=/u,workdir=/w");
        Assert.True(o.ReadOnly);
        Assert.Equal(Libc.MS_RDONLY, o.MountFlags & Libc.MS_RDONLY);
    }

    [Theory]
    [InlineData("", RedirectDirMode.Follow, XinoMode.Off, UuidMode.On)]
    [InlineData(",redirect_dir=on,xino=on,uuid=off", RedirectDirMode.On, XinoMode.On, UuidMode.Off)]
    [InlineData(",redirect_dir=off,xino=auto,uuid=null", RedirectDirMode.Follow, XinoMode.Auto, UuidMode.On)]
    [InlineData(",redirect_dir=nofollow,xino=off,uuid=auto", RedirectDirMode.NoFollow, XinoMode.Off, UuidMode.On)]
    [InlineData(",redirect_dir=follow,uuid=on", RedirectDirMode.Follow, XinoMode.Off, UuidMode.On)]
    public void FeatureOptions(string options, RedirectDirMode redirect, XinoMode xino, UuidMode uuid)
    {
        OverlayFeatures f = Parse("lowerdir=/l" + options).Features;
        Assert.Equal(redirect, f.RedirectDir);
        Assert.Equal(xino, f.Xino);
        Assert.Equal(uuid, f.Uuid);
    }

    [Fact]
    public void RequestTimeoutInSeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), Parse("lowerdir=/l,request_timeout=30").RequestTimeout);
        Assert.Null(Parse("lowerdir=/l").RequestTimeout);
    }

    [Fact]
    public void VolatileCountsOnlyWithAnUpperDir()
    {
        Assert.True(Parse("lowerdir=/l,upperdir=/u,workdir=/w,volatile").Volatile);
        Assert.False(Parse("lowerdir=/l,upperdir=/u,workdir=/w").Volatile);
        // The kernel ignores it without an upper dir ("meaningless in a non-upper mount").
        Assert.False(Parse("lowerdir=/l:/m,volatile").Volatile);
    }

    [Theory]
    [InlineData("lowerdir=/l", PassthroughMode.On, true)]
    [InlineData("lowerdir=/l,passthrough=upper", PassthroughMode.Upper, true)]
    [InlineData("lowerdir=/l,passthrough=off,cache=off", PassthroughMode.Off, false)]
    [InlineData("lowerdir=/l,cache=on,passthrough=on", PassthroughMode.On, true)]
    public void PassthroughAndCacheModes(string options, PassthroughMode passthrough, bool cache)
    {
        OverlayOptions o = Parse(options);
        Assert.Equal(passthrough, o.Passthrough);
        Assert.Equal(cache, o.KernelCache);
    }

    [Theory]
    [InlineData("lowerdir=/l", true)]
    [InlineData("lowerdir=/l,io_uring=off", false)]
    [InlineData("lowerdir=/l,io_uring=off,io_uring=on", true)]
    public void IoUringMode(string options, bool ioUring) => Assert.Equal(ioUring, Parse(options).IoUring);

    [Theory]
    [InlineData("lowerdir=/l", 300)]
    [InlineData("lowerdir=/l,io_uring_poll=0", 0)]
    [InlineData("lowerdir=/l,io_uring_poll=50,io_uring_poll=10000", 10000)]
    public void IoUringPollWindow(string options, int microseconds) =>
        Assert.Equal(TimeSpan.FromMicroseconds(microseconds), Parse(options).IoUringPoll);

    [Theory]
    [InlineData("lowerdir=/l,io_uring=yes", "'io_uring=yes' is neither on nor off")]
    [InlineData("lowerdir=/l,io_uring", "'io_uring=' is neither on nor off")]
    [InlineData("lowerdir=/l,passthrough=lower", "passthrough=lower")]
    [InlineData("lowerdir=/l,cache=maybe", "cache=maybe")]
    [InlineData("lowerdir=/l,io_uring_poll=10001", "'io_uring_poll=10001' must be a whole number of microseconds from 0")]
    [InlineData("lowerdir=/l,io_uring_poll=-1", "'io_uring_poll=-1' must be")]
    [InlineData("lowerdir=/l,io_uring_poll", "'io_uring_poll=' must be")]
    [InlineData("lowerdir=/l,request_timeout=0", "request_timeout=0")]
    [InlineData("lowerdir=/l,request_timeout=x", "whole number of seconds")]
    [InlineData("lowerdir=/l,bogus", "unknown option 'bogus'")]
    [InlineData("lowerdir=/l,redirect_dir=bogus", "redirect_dir=bogus")]
    [InlineData("lowerdir=/l,xino=bogus", "xino=bogus")]
    [InlineData("lowerdir=/l,uuid=bogus", "uuid=bogus")]
    [InlineData("lowerdir=/l,index=on", "index=on")]
    [InlineData("lowerdir=/l,metacopy=on", "metacopy=on")]
    [InlineData("lowerdir=/l,volatile=yes", "unknown option 'volatile=yes'")]
    [InlineData("lowerdir=/l::/m", "empty layer")]
    [InlineData("lowerdir=", "needs at least one")]
    [InlineData("lowerdir=/l,lowerdir+=/m", "cannot be mixed")]
    [InlineData("lowerdir=/l,upperdir=", "needs a directory")]
    [InlineData("lowerdir=/l\0x", "NUL byte")]
    [InlineData("lowerdir=/l\0", "NUL byte")]
    [InlineData("lowerdir=/l\uFFFD", "not valid UTF-8")]
    [InlineData("lowerdir=/l\\", "escapes nothing")]
    [InlineData("lowerdir=/l,fsname=", "'fsname=' needs a name")]
    public void RefusedWithAMessage(string options, string expected)
    {
        var e = Assert.Throws<OverlayConfigException>(() => Parse(options));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_path_over_path_max_is_refused_and_its_message_stays_short()
    {
        var e = Assert.Throws<OverlayConfigException>(() => Parse("lowerdir=/" + new string('a', 1 << 20)));
        Assert.Contains("longer than PATH_MAX", e.Message);
        Assert.True(e.Message.Length < 300, e.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_escaped_backslash_at_the_end_is_a_backslash()
    {
        Assert.Equal(["/l\\"], Parse("lowerdir=/l\\\\").LowerDirs);
    }
}
