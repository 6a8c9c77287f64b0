namespace Strata.Image.Import;

/// <summary>
/// The files of an image archive by their names inside it (<c>manifest.json</c>, <c>blobs/sha256/HEX</c>):
/// a directory (an OCI image layout, an unpacked docker save) or a tar file.
/// </summary>
public abstract class ArchiveFiles : IDisposable
{
    /// <summary>What the archive is, for messages.</summary>
    public abstract string Description { get; }

    public abstract bool Exists(string name);

    /// <summary>The file's size; <see cref="ImageException"/> when it is missing.</summary>
    public abstract long Length(string name);

    public abstract Stream Open(string name);

    public byte[] ReadAll(string name, long limit)
    {
        long length = Length(name);
        if (length > limit)
            throw new ImageException($"{Description}: {name} is {length} bytes, more than the {limit} such a file may have");
        using Stream stream = Open(name);
        var data = new byte[length];
        stream.ReadExactly(data);
        return data;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected ImageException Missing(string name) => new($"{Description} has no {name}");

    /// <summary>
    /// A name inside the archive in one form: no leading <c>./</c> or <c>/</c>, no <c>.</c> parts; <c>..</c> goes
    /// up a level and may not leave the archive (a manifest naming <c>../../etc/shadow</c> is refused).
    /// </summary>
    public static string Normalize(string name, string? relativeTo = null)
    {
        var parts = new List<string>();
        if (relativeTo is not null && !name.StartsWith('/'))
            parts.AddRange(relativeTo.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (string part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count == 0)
                    throw new HostileLayerException($"archive name '{name}' leads outside the archive");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }
}

/// <summary>An archive unpacked in a directory; names are looked up below it and may not leave it.</summary>
public sealed class DirectoryArchiveFiles : ArchiveFiles
{
    private readonly string _root;

    public DirectoryArchiveFiles(string root)
    {
        _root = Path.GetFullPath(root);
    }

    public override string Description => $"the directory {_root}";

    private string PathOf(string name) => Path.Combine(_root, Normalize(name));

    public override bool Exists(string name) => File.Exists(PathOf(name));

    public override long Length(string name)
    {
        var info = new FileInfo(PathOf(name));
        return info.Exists ? info.Length : throw Missing(name);
    }

    public override Stream Open(string name)
    {
        string path = PathOf(name);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16) : throw Missing(name);
    }
}
