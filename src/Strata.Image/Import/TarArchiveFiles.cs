using System.Formats.Tar;

namespace Strata.Image.Import;

/// <summary>
/// The files of a tar archive, read in place: one pass over the headers records where each file's data lies,
/// and a file is then read straight from there. Symlinks and hard links between members (docker save links
/// <c>ID/layer.tar</c> to the one copy of a layer) are followed inside the archive.
/// </summary>
public sealed class TarArchiveFiles : ArchiveFiles
{
    private const int MaxLinks = 16;

    private readonly string _path;
    private readonly Dictionary<string, (long Offset, long Length)> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);

    private TarArchiveFiles(string path)
    {
        _path = path;
    }

    public override string Description => $"the archive {_path}";

    public static TarArchiveFiles Open(string path, string shownAs)
    {
        var archive = new TarArchiveFiles(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new TarReader(stream);
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                string name = Normalize(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        archive._files[name] = (entry.DataOffset, entry.Length);
                        break;
                    case TarEntryType.SymbolicLink:
                        archive._links[name] = Normalize(entry.LinkName, Path.GetDirectoryName(name));
                        break;
                    case TarEntryType.HardLink:
                        archive._links[name] = Normalize(entry.LinkName);
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or EndOfStreamException)
        {
            throw new ImageException($"{shownAs} is not a tar archive (nor an OCI layout dir): {e.Message}", e);
        }
        return archive;
    }

    private (long Offset, long Length) Find(string name)
    {
        string current = Normalize(name);
        for (int i = 0; i <= MaxLinks; i++)
        {
            if (_files.TryGetValue(current, out var region))
                return region;
            if (!_links.TryGetValue(current, out string? target))
                throw Missing(name);
            current = target;
        }
        throw new ImageException($"{Description}: {name} is a chain of more than {MaxLinks} links");
    }

    public override bool Exists(string name)
    {
        try
        {
            Find(name);
            return true;
        }
        catch (ImageException)
        {
            return false;
        }
    }

    public override long Length(string name) => Find(name).Length;

    public override Stream Open(string name)
    {
        (long offset, long length) = Find(name);
        var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        file.Seek(offset, SeekOrigin.Begin);
        return new BoundedReadStream(file, length);
    }
}
