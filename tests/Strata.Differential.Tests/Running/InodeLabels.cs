using System.Buffers.Binary;
using System.Text;
using Strata.Posix;

namespace Strata.Differential.Tests.Running;

/// <summary>
/// Which layer object an inode number belongs to, on one side of a run: "l1:a/b" for a lower's object, "upper:a"
/// for one of the upper dir (a hard-linked object by its first path), "outside" for anything else. The two sides
/// use copies of the same layers, so their raw numbers differ but these labels must agree. All layers of a run
/// are on one filesystem, where the union reports the layers' own numbers.
/// </summary>
public sealed class InodeLabels
{
    private readonly Dictionary<ulong, string> _lowers = [];
    private readonly StackDirs _dirs;
    private Dictionary<ulong, string>? _upper;

    public InodeLabels(StackDirs dirs)
    {
        _dirs = dirs;
        for (int i = 0; i < dirs.Lowers.Count; i++) Collect(dirs.Lowers[i], $"l{i}", _lowers);
    }

    /// <summary>The label of a number; the upper dir is read again when it has changed since.</summary>
    public string Of(ulong inode)
    {
        if (_lowers.TryGetValue(inode, out string? label)) return label;
        _upper ??= Upper();
        return _upper.TryGetValue(inode, out label) ? label : "outside";
    }

    /// <summary>The upper dir has changed: read it again at the next label asked for.</summary>
    public void UpperChanged() => _upper = null;

    /// <summary>Reads the upper dir now if it changed: before a step that probes as a user who may not read it.</summary>
    public void ReadUpper() => _upper ??= Upper();

    /// <summary>
    /// trusted.overlay.origin of an upper path as a label: the lower object its handle names, "unknown" for an
    /// empty origin, "stale" for one that names nothing any more. Null without an origin.
    /// </summary>
    public string? OriginOf(string path)
    {
        byte[]? value = ReadXattr(path, "trusted.overlay.origin");
        if (value is null) return null;
        if (value.Length == 0) return "unknown";
        if (value.Length < 21 || value[1] != 0xfb) return "invalid";
        int mountFd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, _dirs.Lowers[0], OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        try
        {
            int fd = Posix.Posix.OpenByHandle(mountFd, value.AsSpan(21, value[2] - 21), value[4], OpenFlags.O_PATH);
            if (fd < 0) return "stale";
            Posix.Posix.FStat(fd, out StatX st);
            Posix.Posix.Close(fd);
            return Of(st.Inode);
        }
        finally
        {
            Posix.Posix.Close(mountFd);
        }
    }

    /// <summary>
    /// Every st_ino of a merged view ("path st_ino=label", sorted) and every d_ino its dirs list ("." and ".."
    /// included; the root's ".." is outside the mount), each with whether it is the st_ino of what it names.
    /// Whiteouts the kernel lists but cannot look up are left out, as in the tree snapshot.
    /// </summary>
    public (List<string> Objects, List<ListedInode> Listed) Describe(string merged)
    {
        var objects = new List<string>();
        var listed = new List<ListedInode>();
        Walk(merged, "", (rel, self, listing) =>
        {
            objects.Add($"{rel} st_ino={Of(self.Inode)}");
            foreach (var (name, inode) in listing ?? [])
            {
                if (name == ".." && rel == ".") continue;
                string path = name == "." ? Path.Combine(merged, rel) : Path.Combine(merged, rel, name);
                bool agrees = Posix.Posix.Stat(path, out StatX st, followSymlinks: false) == 0 && st.Inode == inode;
                listed.Add(new ListedInode(rel, name, Of(inode), agrees ? null : $"d_ino {inode}, st_ino {st.Inode}"));
            }
        });
        objects.Sort(StringComparer.Ordinal);
        return (objects, listed);
    }

    // Calls visit for every object (with its listing when it is a dir; "." and ".." included) of a merged view.
    private static void Walk(string root, string relative, Action<string, StatX, List<(string Name, ulong Inode)>?> visit)
    {
        string dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        if (Posix.Posix.Stat(dir, out StatX self, followSymlinks: false) < 0) return;
        string rel = relative.Length == 0 ? "." : relative;
        if (!self.IsDirectory)
        {
            visit(rel, self, null);
            return;
        }
        var listing = ReadDir(dir).Where(e => e.Name is "." or ".." || Posix.Posix.Stat(Path.Combine(dir, e.Name), out _, followSymlinks: false) == 0).ToList();
        visit(rel, self, listing);
        foreach (var (name, _) in listing)
        {
            if (name is not ("." or "..")) Walk(root, relative.Length == 0 ? name : relative + "/" + name, visit);
        }
    }

    // getdents64 with "." and ".." (the enumerator of Strata.Posix skips them).
    private static unsafe List<(string Name, ulong Inode)> ReadDir(string dir)
    {
        var entries = new List<(string, ulong)>();
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0) return entries;
        byte[] buffer = new byte[32768];
        try
        {
            while (true)
            {
                long n;
                fixed (byte* b = buffer) n = (long)Libc.getdents64(fd, b, (nuint)buffer.Length);
                if (n <= 0) return entries;
                for (int pos = 0; pos < n;)
                {
                    ReadOnlySpan<byte> record = buffer.AsSpan(pos);
                    ushort length = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
                    ReadOnlySpan<byte> name = record[19..length];
                    entries.Add((Encoding.UTF8.GetString(name[..name.IndexOf((byte)0)]), BinaryPrimitives.ReadUInt64LittleEndian(record)));
                    pos += length;
                }
            }
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private Dictionary<ulong, string> Upper()
    {
        var labels = new Dictionary<ulong, string>();
        Collect(_dirs.Upper, "upper", labels);
        return labels;
    }

    private static void Collect(string root, string layer, Dictionary<ulong, string> labels)
    {
        var paths = new List<string> { "" };
        Enumerate(root, "", paths);
        paths.Sort(StringComparer.Ordinal);
        foreach (string rel in paths)
        {
            if (Posix.Posix.Stat(rel.Length == 0 ? root : Path.Combine(root, rel), out StatX st, followSymlinks: false) < 0) continue;
            labels.TryAdd(st.Inode, $"{layer}:{(rel.Length == 0 ? "/" : rel)}");
        }
    }

    private static void Enumerate(string root, string relative, List<string> paths)
    {
        string dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (string full in Directory.EnumerateFileSystemEntries(dir))
        {
            string rel = relative.Length == 0 ? Path.GetFileName(full) : relative + "/" + Path.GetFileName(full);
            paths.Add(rel);
            if (Posix.Posix.Stat(full, out StatX st, followSymlinks: false) == 0 && st.IsDirectory) Enumerate(root, rel, paths);
        }
    }

    private static byte[]? ReadXattr(string path, string name)
    {
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        if (fd < 0) return null;
        try
        {
            Span<byte> value = stackalloc byte[512];
            int n = Posix.Posix.GetXattr(fd, Encoding.UTF8.GetBytes(name), value);
            return n < 0 ? null : value[..n].ToArray();
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }
}

/// <summary>One d_ino a listing gave, as a label; <see cref="Disagreement"/> says how it differs from the st_ino of what it names.</summary>
public sealed record ListedInode(string Dir, string Name, string Label, string? Disagreement);
