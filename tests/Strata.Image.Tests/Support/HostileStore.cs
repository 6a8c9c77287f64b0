using Strata.Image.Store;
using Strata.Testing;

namespace Strata.Image.Tests.Support;

/// <summary>
/// A store on a small tmpfs (so the bounds taken from the free space are small, and a bomb that got through
/// would fill it rather than the machine), with neighbours around it that no pull may touch: a dir with a
/// victim file next to the store and files next to the tmpfs. Checks that a refused pull changed nothing of
/// them, left the store consistent and `strata images` as it was.
/// </summary>
public sealed class HostileStore : IDisposable
{
    public const string TmpfsSize = "32m";

    private readonly TempDir _dir = new("strata-hostile-store-");

    public HostileStore()
    {
        _dir.Make("fs");
        Testing.ProcessRunner.Check("mount", "-t", "tmpfs", "-o", $"size={TmpfsSize}", "strata-test", _dir["fs"]);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "victim"), "safe");
        File.WriteAllText(_dir["neighbour"], "safe");
        Layout = new StoreLayout(Root);
    }

    public string Root => _dir["fs/store"];

    /// <summary>A dir on the same filesystem as the store, where an escape would land.</summary>
    public string Outside => _dir["fs/outside"];

    public StoreLayout Layout { get; }

    public (int Code, string Out, string Err) Strata(params string[] args) => StrataCli.Run(["--root", Root, .. args]);

    /// <summary>The tree around the store (everything in the temp dir but the store itself).</summary>
    public List<string> Around() => TreeSnapshot.Take(_dir.Path).Where(l => !l.StartsWith("fs/store", StringComparison.Ordinal)).ToList();

    public long FreeBytes() => new DriveInfo(_dir["fs"]).AvailableFreeSpace;

    public void Dispose()
    {
        ProcessRunner.Run("umount", [_dir["fs"]], TimeSpan.FromSeconds(30));
        if (Mounts.IsMounted(_dir["fs"]))
            ProcessRunner.Run("umount", ["-l", _dir["fs"]], TimeSpan.FromSeconds(30));
        _dir.Dispose();
    }
}
