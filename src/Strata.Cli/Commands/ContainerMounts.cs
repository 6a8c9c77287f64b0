using Strata.Posix;
using Strata.Image.Json;

namespace Strata.Cli.Commands;

/// <summary>Whether the mount of a writable layer is still there: its rootfs carries the source name it was mounted with.</summary>
internal static class ContainerMounts
{
    public static bool IsMounted(ContainerRecord container) =>
        MountInfo.Find(container.RootFs) is { } entry && entry.Source == container.MountSource;

    /// <summary>A kernel overlay mount that mount-image made (its source is strata-ID).</summary>
    public static bool IsKernelImageMount(MountInfoEntry entry) =>
        entry.FsType == "overlay" && entry.Source.StartsWith("strata-", StringComparison.Ordinal);
}
