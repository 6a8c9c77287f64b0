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

    /// <summary>Takes the lock, waiting up to <paramref name="timeout"/> for another writer (and saying so on <paramref name="progress"/>).</summary>
    public static StoreLock Acquire(StoreLayout layout, TimeSpan timeout, TextWriter? progress = null)
    {
        Directory.CreateDirectory(layout.Root);
        string path = Path.Combine(layout.Root, "lock");
        var deadline = DateTime.UtcNow + timeout;
        bool told = false;
        while (true)
        {
            try
            {
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                // Who holds it, for the message of whoever waits (the lock itself is the flock, gone with the process).
                file.SetLength(0);
                file.Write(System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
                file.Flush();
                return new StoreLock(file);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                if (!told && progress is not null)
                {
                    progress.WriteLine($"waiting for the store {layout.Root}: another strata process{Holder(path)} holds {path}");
                    told = true;
                }
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                throw new ImageException($"the store {layout.Root} is busy (another strata process{Holder(path)} holds {path} for longer than {timeout.TotalSeconds:0} s): {e.Message}", e);
            }
        }
    }

    /// <summary>", pid N," of the holder, read past the flock (.NET would take a shared flock and fail).</summary>
    private static string Holder(string path)
    {
        int fd = Strata.Posix.Posix.OpenAt(Strata.Posix.OpenFlags.AT_FDCWD, path, Strata.Posix.OpenFlags.O_RDONLY);
        if (fd < 0)
            return "";
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        byte[] buffer = new byte[16];
        int n = RandomAccess.Read(handle, buffer, 0);
        string text = System.Text.Encoding.ASCII.GetString(buffer, 0, n).Trim();
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int pid) ? $", pid {pid}," : "";
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
