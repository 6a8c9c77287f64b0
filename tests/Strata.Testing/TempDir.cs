using Strata.Posix;

namespace Strata.Testing;

/// <summary>A fresh dir under /tmp, removed at Dispose (after any mount inside it is gone).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "strata-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public string Make(string relative)
    {
        string full = this[relative];
        Directory.CreateDirectory(full);
        return full;
    }

    public void Dispose()
    {
        foreach (MountInfoEntry entry in MountInfo.Read())
        {
            if (entry.MountPoint.StartsWith(Path + "/", StringComparison.Ordinal)) Mounts.ForceCleanUp(entry.MountPoint);
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leave it for the OS temp cleaner rather than fail the test in cleanup.
        }
    }
}
