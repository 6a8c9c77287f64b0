using Strata.Posix;
using Strata.Union.Options;

namespace Strata.Union.Tests.Options;

/// <summary>The kernel's mount-time checks, with the errnos the kernel gives (checked against mount -t overlay).</summary>
public sealed class MountValidatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("strata-validate-").FullName;

    public MountValidatorTests()
    {
        foreach (string d in new[] { "l0", "l1", "upper", "work", "upper/inner", "l0/sub" })
            Directory.CreateDirectory(Path.Combine(_root, d));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private int ErrnoOf(string options)
    {
        try
        {
            MountValidator.Validate(OverlayOptionsParser.Parse([options], _root));
            return 0;
        }
        catch (OverlayConfigException e)
        {
            return e.Errno;
        }
    }

    [Theory]
    [InlineData("lowerdir=l1:l0,upperdir=upper,workdir=work", 0)]
    [InlineData("lowerdir=l0", 0)] // one lower, read-only: the kernel wants two, we allow one
    [InlineData("lowerdir=nothere,upperdir=upper,workdir=work", Errno.ENOENT)]
    [InlineData("lowerdir=l0,upperdir=upper", Errno.EINVAL)]
    [InlineData("lowerdir=l0,workdir=work", Errno.EINVAL)]
    [InlineData("lowerdir=l0,upperdir=upper,workdir=upper/inner", Errno.EINVAL)]
    [InlineData("lowerdir=l1:l1", Errno.ELOOP)]
    [InlineData("lowerdir=l1:l0/sub:l0", Errno.ELOOP)]
    [InlineData("lowerdir=upper/inner,upperdir=upper,workdir=work", Errno.ELOOP)]
    [InlineData("lowerdir=l0/sub,upperdir=l0,workdir=work", Errno.ELOOP)]
    public void KernelRules(string options, int expected) => Assert.Equal(expected, ErrnoOf(options));

    [Fact]
    public void WorkDirOnAnotherFilesystemIsRefused()
    {
        string shm = Directory.CreateTempSubdirectory("strata-validate-").FullName;
        string elsewhere = Path.Combine("/dev/shm", Path.GetFileName(shm));
        Directory.Delete(shm);
        Directory.CreateDirectory(elsewhere);
        try
        {
            var e = Assert.Throws<OverlayConfigException>(() => MountValidator.Validate(
                OverlayOptionsParser.Parse([$"lowerdir=l0,upperdir=upper,workdir={elsewhere}"], _root)));
            Assert.Equal(Errno.EINVAL, e.Errno);
            Assert.Contains("same filesystem", e.Message);
        }
        finally
        {
            Directory.Delete(elsewhere);
        }
    }

    [Fact]
    public void MessagesNameThePath()
    {
        var e = Assert.Throws<OverlayConfigException>(() => MountValidator.Validate(
            OverlayOptionsParser.Parse(["lowerdir=nothere"], _root)));
        Assert.Contains(Path.Combine(_root, "nothere"), e.Message);
    }
}
