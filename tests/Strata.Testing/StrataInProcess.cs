using Strata.Mount;
using Strata.Union.Options;

namespace Strata.Testing;

/// <summary>Strata mounted in this process (OverlayMount.Start); Dispose leaves no mount behind, pass or fail.</summary>
public sealed class StrataInProcess : IDisposable
{
    private readonly OverlayMount _mount;

    private StrataInProcess(OverlayMount mount)
    {
        _mount = mount;
    }

    public static StrataInProcess Mount(string options, string mountPoint)
    {
        OverlayOptions parsed = OverlayOptionsParser.Parse([options], mountPoint);
        return new StrataInProcess(OverlayMount.Start(parsed, mountPoint));
    }

    public void Dispose()
    {
        _mount.Dispose();
        if (Mounts.IsMounted(_mount.MountPoint)) Mounts.ForceCleanUp(_mount.MountPoint);
    }
}
