namespace Strata.Image.Diff;

/// <summary>
/// A file of a layer whose bytes are in the image but never visible, because a higher layer overwrote it
/// (<see cref="Deleted"/> false: that layer has an entry of the same path) or deleted it (a whiteout, an
/// opaque dir, or a non-dir over one of its parents). A multiply-linked file counts once, and only when
/// every one of its names in the layer is hidden; <see cref="Path"/> is then one of them.
/// </summary>
public sealed record ShadowedFile(string Path, long Size, int Layer, int ShadowedBy, bool Deleted);

/// <summary>
/// One layer over the ones below it: its changes as <c>strata diff</c> names them (A, C, D), the bytes of
/// regular-file data it holds, and how many of those bytes a higher layer overwrites or deletes.
/// </summary>
public sealed record LayerReport(int Index, IReadOnlyList<Change> Changes, IReadOnlyList<string> OpaqueDirs, long Size, long WastedBytes)
{
    public int Added => Changes.Count(c => c.Kind == 'A');

    public int Changed => Changes.Count(c => c.Kind == 'C');

    public int Deleted => Changes.Count(c => c.Kind == 'D');
}

/// <summary>
/// The layers of an image and its wasted bytes: the regular-file bytes of its layers that are never visible
/// in the image (<see cref="ShadowedFile"/>). Efficiency is 1 - wasted / total, where total is the
/// regular-file bytes of all layers together.
/// </summary>
public sealed record ImageLayersReport(IReadOnlyList<LayerReport> Layers, IReadOnlyList<ShadowedFile> Shadowed)
{
    public long TotalBytes => Layers.Sum(l => l.Size);

    public long WastedBytes => Layers.Sum(l => l.WastedBytes);

    public double Efficiency => TotalBytes == 0 ? 1.0 : 1.0 - (double)WastedBytes / TotalBytes;
}

/// <summary>
/// Computes <see cref="ImageLayersReport"/> with the store's diff walk (<see cref="LayerDiff"/>) for each
/// layer over the ones below, and the union lookup (<see cref="LowerStack"/>) for what the layers above hide.
/// </summary>
public static class ImageLayerAnalysis
{
    public static ImageLayersReport Analyze(IReadOnlyList<string> diffDirsBottomFirst)
    {
        int count = diffDirsBottomFirst.Count;
        List<string> topFirst = diffDirsBottomFirst.Reverse().ToList();
        using var stack = new LowerStack(topFirst);
        var layers = new List<LayerReport>(count);
        var shadowed = new List<ShadowedFile>();
        for (int index = 0; index < count; index++)
        {
            int topIndex = count - 1 - index;
            List<LayerEntry> entries = LayerDiff.Entries(diffDirsBottomFirst[index], topFirst[(topIndex + 1)..]);
            // Per inode: the file's size, and the first of its names a higher layer hides (null once one is visible).
            var files = new Dictionary<ulong, (long Size, ShadowedFile? Hidden)>();
            var opaque = new List<string>();
            foreach (LayerEntry entry in entries)
            {
                if (entry.Change.Kind == 'D')
                    continue;
                if (entry.Stat.IsDirectory && stack.IsOpaqueDir(topIndex, entry.Components))
                    opaque.Add(entry.Change.Path);
                if (!entry.Stat.IsRegular)
                    continue;
                StackHit above = stack.LocateAbove(topIndex, entry.Components);
                ShadowedFile? hidden = above.Layer < 0 ? null
                    : new ShadowedFile(entry.Change.Path, (long)entry.Stat.Size, index, count - 1 - above.Layer, Deleted: !above.Visible);
                ulong inode = entry.Stat.Inode;
                if (!files.TryGetValue(inode, out var known))
                    files[inode] = ((long)entry.Stat.Size, hidden);
                else if (known.Hidden is not null && hidden is null)
                    files[inode] = (known.Size, null);
            }
            long size = files.Values.Sum(f => f.Size);
            long wasted = 0;
            foreach ((long fileSize, ShadowedFile? hidden) in files.Values)
            {
                if (hidden is null)
                    continue;
                wasted += fileSize;
                shadowed.Add(hidden);
            }
            layers.Add(new LayerReport(index, entries.Select(e => e.Change).ToList(), opaque, size, wasted));
        }
        shadowed.Sort((a, b) => a.Layer != b.Layer ? a.Layer.CompareTo(b.Layer) : string.CompareOrdinal(a.Path, b.Path));
        return new ImageLayersReport(layers, shadowed);
    }
}
