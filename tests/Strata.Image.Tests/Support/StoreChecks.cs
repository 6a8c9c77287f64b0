using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Image.Tests.Support;

/// <summary>
/// What a store must look like whatever happened to the last writer: every visible layer (one with a record)
/// complete, every image's layers present, every name pointing at an image, every blob its own digest.
/// Strict adds what a finished command (or a prune) must also have cleared: leftovers in tmp/, layer dirs
/// and short links without a record, half-written JSON files, and (after a prune) unreachable blobs.
/// </summary>
public static class StoreChecks
{
    public static void AssertConsistent(StoreLayout layout, bool strict, bool afterPrune = false)
    {
        var layers = new LayerStore(layout);
        var records = layers.All();
        foreach (LayerRecord layer in records)
        {
            string dir = layers.LayerDir(layer);
            Assert.True(Directory.Exists(Path.Combine(dir, "diff")), $"layer {layer.ChainId} has a record but no diff dir");
            string link = File.ReadAllText(Path.Combine(dir, "link")).Trim();
            Assert.Equal($"../{layer.CacheId}/diff", new FileInfo(Path.Combine(layout.ShortLinksDir, link)).LinkTarget);
            if (layer.Parent is { } parent)
                Assert.True(layers.Find(Digest.Parse(parent)) is not null, $"layer {layer.ChainId}: parent {parent} missing");
        }
        var images = new ImageStore(layout);
        foreach (ImageRecord image in images.All())
        {
            foreach (string chainId in image.Layers)
                Assert.True(layers.Find(Digest.Parse(chainId)) is not null, $"image {image.Id}: layer {chainId} missing");
            Assert.True(File.Exists(layout.BlobPath(Digest.Parse(image.ManifestDigest))), $"image {image.Id}: manifest blob missing");
        }
        foreach ((string name, string id) in images.ReadRepositories().Tags)
            Assert.True(images.Find(Digest.Parse(id)) is not null, $"tag {name} points at the missing image {id}");
        if (File.Exists(layout.IndexFile))
        {
            foreach (Descriptor manifest in new OciLayoutStore(layout).ReadIndex().Manifests)
                Assert.True(File.Exists(layout.BlobPath(Digest.Parse(manifest.Digest))), $"index.json names the missing blob {manifest.Digest}");
        }
        if (Directory.Exists(layout.BlobsDir))
        {
            foreach (string blob in Directory.EnumerateFiles(layout.BlobsDir))
            {
                using FileStream stream = File.OpenRead(blob);
                Assert.Equal(Path.GetFileName(blob), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
            }
        }
        if (!strict)
            return;

        if (Directory.Exists(layout.TempDir))
            Assert.Empty(Directory.EnumerateFileSystemEntries(layout.TempDir));
        var known = records.Select(r => r.CacheId).Concat(new ContainerStore(layout).List().Select(c => c.Id)).Append("l").ToHashSet(StringComparer.Ordinal);
        if (Directory.Exists(layout.Overlay2Dir))
        {
            foreach (string dir in Directory.EnumerateDirectories(layout.Overlay2Dir))
                Assert.True(known.Contains(Path.GetFileName(dir)), $"overlay2/{Path.GetFileName(dir)} has no record");
        }
        if (Directory.Exists(layout.ShortLinksDir))
        {
            foreach (string link in Directory.EnumerateFileSystemEntries(layout.ShortLinksDir))
                Assert.True(Directory.Exists(link), $"the short link {Path.GetFileName(link)} points nowhere");
        }
        var halfWritten = Directory.EnumerateFiles(layout.Root, "*.tmp-*", SearchOption.AllDirectories).Where(f => !f.StartsWith(layout.Overlay2Dir + "/", StringComparison.Ordinal)).ToList();
        Assert.Empty(halfWritten);
        if (afterPrune && Directory.Exists(layout.BlobsDir))
        {
            ISet<Digest> reachable = new OciLayoutStore(layout).Reachable();
            // An image record holds its config and its manifest, as prune keeps them: a pull killed after it saved
            // the record and before it tagged the manifest in index.json leaves a record whose manifest only it names.
            foreach (ImageRecord image in images.All())
            {
                reachable.Add(Digest.Parse(image.Id));
                reachable.Add(Digest.Parse(image.ManifestDigest));
            }
            foreach (LayerRecord layer in records.Where(l => l.BlobDigest is not null))
                reachable.Add(Digest.Parse(layer.BlobDigest!));
            foreach (string blob in Directory.EnumerateFiles(layout.BlobsDir))
                Assert.True(reachable.Contains(Digest.Parse(Digest.Sha256Prefix + Path.GetFileName(blob))), $"blob {Path.GetFileName(blob)} is reached by nothing");
        }
    }
}
