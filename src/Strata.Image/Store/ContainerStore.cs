using System.Security.Cryptography;
using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>
/// Writable layers over images: <c>overlay2/ID/{diff,work}</c> and the record <c>containers/ID.json</c>. A new
/// layer is built in tmp/ and moved into place before its record is written, and removed record first, so a
/// record always names a complete layer.
/// </summary>
public sealed class ContainerStore
{
    private readonly StoreLayout _layout;

    public ContainerStore(StoreLayout layout)
    {
        _layout = layout;
    }

    private string RecordPath(string id) => Path.Combine(_layout.ContainersDir, id + ".json");

    public string LayerDir(ContainerRecord container) => Path.Combine(_layout.Overlay2Dir, container.Id);

    public string DiffDir(ContainerRecord container) => Path.Combine(LayerDir(container), "diff");

    public string WorkDir(ContainerRecord container) => Path.Combine(LayerDir(container), "work");

    /// <summary>Makes the empty writable layer and its record; the caller mounts it, or removes it again.</summary>
    public ContainerRecord Create(ImageRecord image, string rootFs, string driver)
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var record = new ContainerRecord
        {
            Id = id,
            ImageId = image.Id,
            RootFs = rootFs,
            Driver = driver,
            MountSource = $"strata-{id[..12]}",
            Created = DateTimeOffset.UtcNow,
        };
        using (StagingDir staging = _layout.CreateStaging("container"))
        {
            Directory.CreateDirectory(Path.Combine(staging.Path, "diff"));
            Directory.CreateDirectory(Path.Combine(staging.Path, "work"));
            Directory.Move(staging.Path, LayerDir(record));
        }
        JsonFiles.WriteAtomically(RecordPath(id), JsonFiles.Serialize(record, ImageJsonContext.Default.ContainerRecord));
        return record;
    }

    public IReadOnlyList<ContainerRecord> List()
    {
        if (!Directory.Exists(_layout.ContainersDir))
            return [];
        return Directory.EnumerateFiles(_layout.ContainersDir, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.ContainerRecord, path))
            .ToList();
    }

    /// <summary>The newest writable layer recorded for a rootfs path.</summary>
    public ContainerRecord? FindByRootFs(string rootFs) =>
        List().Where(c => c.RootFs == rootFs).OrderByDescending(c => c.Created).FirstOrDefault();

    public void Remove(ContainerRecord container)
    {
        File.Delete(RecordPath(container.Id));
        TreeDeleter.Delete(LayerDir(container));
    }
}
