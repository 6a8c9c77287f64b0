using Strata.Posix;

namespace Strata.Testing;

/// <summary>What a work dir ("workdir/work") holds that a finished operation must not leave behind.</summary>
public static class WorkDirContents
{
    /// <summary>
    /// Its entries but the whiteouts that placed whiteouts are hard links of (kernel overlayfs keeps its shared
    /// whiteout there too, until the next mount cleans the work dir): a half-made object would show here.
    /// </summary>
    public static List<string> Leftovers(string workWorkDir) =>
        Directory.EnumerateFileSystemEntries(workWorkDir)
            .Where(p => !(Posix.Posix.Stat(p, out StatX st, followSymlinks: false) == 0 && st.IsWhiteoutDevice))
            .ToList();
}
