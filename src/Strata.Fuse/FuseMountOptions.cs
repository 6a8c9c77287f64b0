namespace Strata.Fuse;

/// <summary>How <see cref="FuseMount.Mount"/> mounts.</summary>
public sealed class FuseMountOptions
{
    /// <summary>The mount's source, shown as the fsname in /proc/mounts.</summary>
    public string Source { get; init; } = "strata";

    /// <summary>The type becomes "fuse.&lt;Subtype&gt;".</summary>
    public string Subtype { get; init; } = "strata";

    /// <summary>Let users other than the mounter in (root mounts; no user_allow_other needed).</summary>
    public bool AllowOther { get; init; } = true;

    /// <summary>Let the kernel check permissions from the mode bits, so ACCESS is hardly ever sent.</summary>
    public bool DefaultPermissions { get; init; } = true;

    public bool ReadOnly { get; init; }

    /// <summary>Further MS_* flags for mount(2), e.g. MS_NOATIME.</summary>
    public ulong ExtraMountFlags { get; init; }

    /// <summary>max_read=, when set: an upper bound on READ sizes.</summary>
    public uint? MaxRead { get; init; }
}
