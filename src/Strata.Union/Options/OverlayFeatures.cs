namespace Strata.Union.Options;

/// <summary>redirect_dir=: how renamed directories are recorded and read (the kernel's modes).</summary>
public enum RedirectDirMode
{
    /// <summary>Reads redirects but writes none: a lower or merged dir cannot be renamed (EXDEV, then mv copies).
    /// What "redirect_dir=off" means on a kernel built with CONFIG_OVERLAY_FS_REDIRECT_ALWAYS_FOLLOW (the default).</summary>
    Follow,

    /// <summary>Neither writes nor follows redirects: a dir whose redirect leads to a lower dir fails lookup with EPERM.</summary>
    NoFollow,

    /// <summary>Renaming a lower or merged dir copies up the dir alone and sets trusted.overlay.redirect to its old path.</summary>
    On,
}

/// <summary>xino=: whether inode numbers of layers on different filesystems carry the filesystem's index in their high bits.</summary>
public enum XinoMode
{
    Off,
    Auto,
    On,
}

/// <summary>uuid=: what trusted.overlay.origin records as the lower filesystem's uuid.</summary>
public enum UuidMode
{
    /// <summary>The lower filesystem's uuid (what the kernel's on, auto and null all write into an origin).</summary>
    On,

    /// <summary>A null uuid, and only origins with a null uuid are followed (the kernel requires one filesystem then).</summary>
    Off,
}

/// <summary>The overlay features that change the on-disk records and inode numbers; the defaults are the kernel's.</summary>
public sealed record OverlayFeatures
{
    public static readonly OverlayFeatures Default = new();

    public RedirectDirMode RedirectDir { get; init; } = RedirectDirMode.Follow;

    public XinoMode Xino { get; init; } = XinoMode.Off;

    public UuidMode Uuid { get; init; } = UuidMode.On;

    /// <summary>
    /// The kernel's ovl_allow_offline_changes: without redirect_dir=on or xino=on, layers may have been changed
    /// while unmounted, so a lower filesystem must have a unique uuid for origins to be followed, and new dirs in
    /// merged dirs are left plain; with either, new dirs there are made opaque (lookups below them are saved).
    /// </summary>
    public bool AllowsOfflineChanges => RedirectDir != RedirectDirMode.On && Xino != XinoMode.On;
}
