using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>
/// What a writer killed half-way can leave outside tmp/: a layer or writable-layer dir moved into overlay2/
/// whose record was never written (it was never visible, so nothing uses it), a short link in overlay2/l/ to a
/// dir that is gone, and the temp file of a JSON write that never got its rename. The caller holds the store lock.
/// </summary>
public static class StrayCleaner
{
    public static int RemoveStrays(StoreLayout layout, IReadOnlyCollection<LayerRecord> layers, IReadOnlyCollection<ContainerRecord> containers)
    {
        int removed = 0;
        var known = layers.Select(l => l.CacheId).Concat(containers.Select(c => c.Id)).ToHashSet(StringComparer.Ordinal);
        if (Directory.Exists(layout.Overlay2Dir))
        {
            foreach (string dir in Directory.EnumerateDirectories(layout.Overlay2Dir))
            {
                string name = Path.GetFileName(dir);
                if (name == Path.GetFileName(layout.ShortLinksDir) || known.Contains(name))
                    continue;
                TreeDeleter.Delete(dir);
                removed++;
            }
        }
        if (Directory.Exists(layout.ShortLinksDir))
        {
            foreach (string link in Directory.EnumerateFileSystemEntries(layout.ShortLinksDir))
            {
                if (Directory.Exists(link))
                    continue;
                File.Delete(link);
                removed++;
            }
        }
        // Only the store's own dirs: overlay2/ holds image content, where such names are nobody's business.
        foreach (string dir in new[] { layout.Root, layout.LayerDbDir, layout.ImageDbDir, layout.ContainersDir })
        {
            if (!Directory.Exists(dir))
                continue;
            foreach (string file in Directory.EnumerateFiles(dir, "*" + JsonFiles.TempSuffix + "*"))
            {
                File.Delete(file);
                removed++;
            }
        }
        return removed;
    }
}
