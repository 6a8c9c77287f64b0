using Strata.Posix;

namespace Strata.Mount;

/// <summary>Which entries of the mount table (<see cref="MountInfo"/>) are Strata's.</summary>
public static class MountTable
{
    public const string StrataFsType = "fuse.strata";

    public static bool IsStrata(MountInfoEntry entry) => entry.FsType == StrataFsType;

    /// <summary>The Strata mount on exactly this path, if that is what is mounted there.</summary>
    public static MountInfoEntry? FindStrata(string mountPoint) =>
        MountInfo.Find(mountPoint) is { } entry && IsStrata(entry) ? entry : null;
}
