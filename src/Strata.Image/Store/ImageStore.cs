using Strata.Image.Json;

namespace Strata.Image.Store;

/// <summary>One name:tag of an image, as <c>strata images</c> lists it.</summary>
public sealed record TaggedImage(string Name, string Tag, ImageRecord Image);

/// <summary>
/// The image DB: a record per image in <c>imagedb/sha256/CONFIGHEX.json</c> (the id is the config digest,
/// as docker's) and the name:tag → id map in <c>repositories.json</c>.
/// </summary>
public sealed class ImageStore
{
    private readonly StoreLayout _layout;

    public ImageStore(StoreLayout layout)
    {
        _layout = layout;
    }

    private string RecordPath(Digest id) => Path.Combine(_layout.ImageDbDir, id.Hex + ".json");

    public void Save(ImageRecord image) =>
        JsonFiles.WriteAtomically(RecordPath(Digest.Parse(image.Id)), JsonFiles.Serialize(image, ImageJsonContext.Default.ImageRecord));

    public ImageRecord? Find(Digest id)
    {
        string path = RecordPath(id);
        return File.Exists(path) ? JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.ImageRecord, path) : null;
    }

    public RepositoriesFile ReadRepositories() =>
        File.Exists(_layout.RepositoriesFile)
            ? JsonFiles.Parse(File.ReadAllBytes(_layout.RepositoriesFile), ImageJsonContext.Default.RepositoriesFile, _layout.RepositoriesFile)
            : new RepositoriesFile();

    public void Tag(ImageReference reference, Digest id)
    {
        RepositoriesFile repositories = ReadRepositories();
        repositories.Tags[reference.ToString()] = id.ToString();
        JsonFiles.WriteAtomically(_layout.RepositoriesFile, JsonFiles.Serialize(repositories, ImageJsonContext.Default.RepositoriesFile));
    }

    /// <summary>Every image record, named or not.</summary>
    public IReadOnlyList<ImageRecord> All()
    {
        if (!Directory.Exists(_layout.ImageDbDir))
            return [];
        return Directory.EnumerateFiles(_layout.ImageDbDir, "*.json")
            .Select(path => JsonFiles.Parse(File.ReadAllBytes(path), ImageJsonContext.Default.ImageRecord, path))
            .ToList();
    }

    /// <summary>Removes an image's names and then its record.</summary>
    public void Remove(ImageRecord image)
    {
        RepositoriesFile repositories = ReadRepositories();
        foreach (string name in repositories.Tags.Where(t => t.Value == image.Id).Select(t => t.Key).ToList())
            repositories.Tags.Remove(name);
        JsonFiles.WriteAtomically(_layout.RepositoriesFile, JsonFiles.Serialize(repositories, ImageJsonContext.Default.RepositoriesFile));
        File.Delete(RecordPath(Digest.Parse(image.Id)));
    }

    /// <summary>Every name of every image, sorted by name; an image without a name is listed as &lt;none&gt;.</summary>
    public IReadOnlyList<TaggedImage> List()
    {
        var result = new List<TaggedImage>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string reference, string id) in ReadRepositories().Tags)
        {
            if (Find(Digest.Parse(id)) is not { } image)
                continue;
            named.Add(image.Id);
            ImageReference parsed = ImageReference.Parse(reference);
            result.Add(new TaggedImage(parsed.Name, parsed.Tag ?? parsed.Digest?.ToString() ?? "<none>", image));
        }
        if (Directory.Exists(_layout.ImageDbDir))
        {
            foreach (string file in Directory.EnumerateFiles(_layout.ImageDbDir, "*.json").Order(StringComparer.Ordinal))
            {
                string id = Digest.Sha256Prefix + Path.GetFileNameWithoutExtension(file);
                if (!named.Contains(id) && Digest.TryParse(id, out Digest digest) && Find(digest) is { } image)
                    result.Add(new TaggedImage("<none>", "<none>", image));
            }
        }
        return result;
    }

    /// <summary>
    /// An image by name (<c>busybox</c>, <c>host:5000/x:tag</c>, as pull normalises them), by id
    /// (<c>sha256:HEX</c>) or by a unique id prefix of at least 4 hex digits.
    /// </summary>
    public ImageRecord Resolve(string text)
    {
        string hex = text.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? text[Digest.Sha256Prefix.Length..] : text;
        if (hex.Length >= 4 && hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') && Directory.Exists(_layout.ImageDbDir))
        {
            var matches = Directory.EnumerateFiles(_layout.ImageDbDir, hex + "*.json").ToList();
            if (matches.Count > 1)
                throw new ImageException($"image id prefix '{text}' is ambiguous: {matches.Count} images match");
            if (matches.Count == 1 && Find(Digest.Parse(Digest.Sha256Prefix + Path.GetFileNameWithoutExtension(matches[0]))) is { } byId)
                return byId;
        }
        ImageReference reference;
        try
        {
            reference = ImageReference.Parse(text);
        }
        catch (ImageException)
        {
            throw new ImageException($"no such image: {text}");
        }
        if (ReadRepositories().Tags.TryGetValue(reference.ToString(), out string? id) && Find(Digest.Parse(id)) is { } image)
            return image;
        throw new ImageException($"no such image: {text} (looked for {reference}; 'strata images' lists what is here)");
    }
}
