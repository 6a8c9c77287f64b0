using Strata.Image.Store;

namespace Strata.Image.Tests.Support;

/// <summary>Checks of the store after a failed pull or load.</summary>
public static class StoreAssert
{
    /// <summary>
    /// The store consistent and cleaned up (<see cref="StoreChecks"/>, strict), and no image record or name: a
    /// failed import may keep the complete, verified layers below the bad one, nothing else.
    /// </summary>
    public static void NothingHalfWritten(StoreLayout layout)
    {
        StoreChecks.AssertConsistent(layout, strict: true);
        Assert.Empty(Directory.EnumerateFileSystemEntries(layout.ImageDbDir));
        Assert.False(File.Exists(layout.RepositoriesFile));
    }
}
