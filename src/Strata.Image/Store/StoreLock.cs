namespace Strata.Image.Store;

/// <summary>
/// One writer at a time per store: an exclusive lock on <c>ROOT/lock</c> (.NET takes flock(LOCK_EX) for
/// FileShare.None on Linux), held while a pull updates index.json, the DBs and tmp/. Whoever holds it may
/// clear what an interrupted writer left in tmp/.
/// </summary>
public sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file)
    {
        _file = file;
    }

    public static StoreLock Acquire(StoreLayout layout, TimeSpan timeout)
    {
        Directory.CreateDirectory(layout.Root);
        string path = Path.Combine(layout.Root, "lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                throw new ImageException($"the store {layout.Root} is busy (another pull holds {path}): {e.Message}", e);
            }
        }
    }

    /// <summary>Removes everything in tmp/: with the lock held, nothing there belongs to a live writer.</summary>
    public static void ClearStaging(StoreLayout layout)
    {
        if (!Directory.Exists(layout.TempDir))
            return;
        foreach (string entry in Directory.EnumerateFileSystemEntries(layout.TempDir))
            TreeDeleter.Delete(entry);
    }

    public void Dispose() => _file.Dispose();
}
