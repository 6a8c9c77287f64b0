using Strata.Differential.Tests.Layers;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// A random sequence of operations over the paths of a layer stack. Most steps name a path some layer has or
/// an earlier step made, so they mostly succeed; the rest name fresh paths, so errors are exercised too.
/// Each kind of step mostly picks what it can work on (a symlink to read, a file to write, a free name to
/// create, a name with an xattr to read back), as far as the layers and earlier steps tell: without that,
/// some kinds failed nearly always and only their error paths were compared (see <c>OperationMix</c>).
/// </summary>
public sealed class RandomScript
{
    private static readonly uint[] Modes = [0x1A4, 0x180, 0x1ED, 0x124, 0x1C0, 0x1FF]; // 644 600 755 444 700 777
    private static readonly string[] XattrNames = ["user.p", "user.q", "user.r"];

    private static readonly int[] FallocateModes =
    [
        0, Libc.FALLOC_FL_KEEP_SIZE, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE,
        Libc.FALLOC_FL_ZERO_RANGE, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE,
    ];

    // Offsets and lengths around block boundaries, so that holes are made, punched and found.
    private static readonly long[] Offsets = [0, 1, 7, 100, 4096, 4100, 8192, 12288];
    private static readonly long[] Lengths = [1, 10, 100, 4096, 8192];

    private readonly Random _random;
    private readonly List<string> _known;
    private readonly bool _tmpFiles;

    // What the layers and earlier steps made, by type: a guess (later steps may have removed or replaced
    // it), good enough to aim steps at something that is likely there.
    private readonly List<string> _dirs = [];
    private readonly List<string> _files = [];
    private readonly List<string> _symlinks = [];
    private readonly List<(string Path, string Name)> _xattrs = [];

    private RandomScript(Random random, LayerStackSpec layers, bool tmpFiles)
    {
        _random = random;
        _tmpFiles = tmpFiles;
        _known = layers.AllPaths.OrderBy(p => p, StringComparer.Ordinal).ToList();
        foreach (LayerEntry entry in layers.Lowers.SelectMany(l => l))
        {
            switch (entry)
            {
                case LayerEntry.Dir d: Remember(_dirs, d.Path); break;
                case LayerEntry.File or LayerEntry.HardLink: Remember(_files, entry.Path); break;
                case LayerEntry.Symlink y: Remember(_symlinks, y.Path); break;
                case LayerEntry.UserXattr x: _xattrs.Add((x.Path, x.Name)); break;
            }
        }
        _dirs.Sort(StringComparer.Ordinal);
        _files.Sort(StringComparer.Ordinal);
        _symlinks.Sort(StringComparer.Ordinal);
    }

    // With tmpFiles a third of the link steps are O_TMPFILE + linkat ones. Without, no draw is spent on it: the
    // permission and facade sequences, which have no such step, replay the scripts their seeds always had.
    public static List<Operation> Generate(Random random, LayerStackSpec layers, int length, bool tmpFiles = false)
    {
        var script = new RandomScript(random, layers, tmpFiles);
        var steps = new List<Operation>(length);
        for (int i = 0; i < length; i++) steps.Add(script.Next());
        return steps;
    }

    private Operation Next()
    {
        string path = PickPath();
        Operation op = _random.Next(32) switch
        {
            0 => new OpenOperation(PickFree(), OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, PickMode()),
            1 => new OpenOperation(PickFrom(_files), OpenFlags.O_RDWR | OpenFlags.O_CREAT, PickMode()),
            2 => new OpenOperation(PickFrom(_files), OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, 0),
            3 => new OpenOperation(path, OpenFlags.O_RDONLY | (_random.Next(2) == 0 ? OpenFlags.O_DIRECTORY : OpenFlags.O_NOFOLLOW), 0),
            4 or 5 => new WriteOperation(PickFrom(_files), _random.Next(3) == 0 ? _random.Next(40) : 0, LayerStackGenerator.RandomText(_random, 1), Append: false),
            6 => new WriteOperation(PickFrom(_files), 0, LayerStackGenerator.RandomText(_random, 1), Append: true),
            7 => new TruncateOperation(PickFrom(_files), _random.Next(3) == 0 ? 0 : _random.Next(30)),
            8 or 9 => new ReadOperation(PickFrom(_files)),
            10 => new StatOperation(path),
            11 or 12 => new ReaddirOperation(_random.Next(5) == 0 ? "." : PickFrom(_dirs)),
            13 => new MkdirOperation(PickFree(), PickMode()),
            14 => new RmdirOperation(PickFrom(_dirs)),
            15 => new UnlinkOperation(_random.Next(2) == 0 ? PickFrom(_symlinks) : PickFrom(_files)),
            16 or 17 => NextRename(),
            18 => new SymlinkOperation(_random.Next(2) == 0 ? PathPool.Random(_random, 1) : "missing", PickFree()),
            19 => new ReadlinkOperation(PickFrom(_symlinks)),
            20 => _tmpFiles && _random.Next(3) == 0 ? NextTmpFile() : new LinkOperation(PickFrom(_files), PickFree()),
            21 => new ChmodOperation(path, PickMode()),
            22 => new ChownOperation(path, _random.Next(2) == 0 ? 0u : 1000u, _random.Next(2) == 0 ? 0u : 1000u),
            23 => new UtimeOperation(path, 1_000_000_000 + _random.Next(1_000_000)),
            24 => NextSetXattr(path),
            25 => NextXattrQuery(path),
            26 or 27 => new FallocateOperation(PickFrom(_files), Pick(FallocateModes), PickOffset(), Pick(Lengths)),
            28 => new SeekOperation(PickFrom(_files), _random.Next(2) == 0 ? Libc.SEEK_DATA : Libc.SEEK_HOLE, _random.Next(3) == 0 ? PickOffset() : 0),
            29 => new CopyRangeOperation(PickFrom(_files), _random.Next(3) == 0 ? PickOffset() : 0, PickFrom(_files), PickOffset(), Pick(Lengths)),
            30 => _random.Next(2) == 0
                ? new DirectIoOperation(PickFrom(_files), _random.Next(5) == 0 ? 100 : 4096L * _random.Next(3), (byte)('A' + _random.Next(26)))
                : new SyncOperation(_random.Next(2) == 0 ? PickFrom(_dirs) : PickFrom(_files)),
            _ => new MkfifoOperation(PickFree(), PickMode()),
        };
        foreach (string touched in op.Touched)
            if (!_known.Contains(touched)) _known.Add(touched);
        LearnFrom(op);
        return op;
    }

    // Plain and NOREPLACE renames mostly to a free name (a busy one mostly fails on a type clash or
    // EEXIST); an exchange needs both names to exist. Dirs less often: most are lower or merged (EXDEV).
    private RenameOperation NextRename()
    {
        uint flags = _random.Next(4) switch { 0 => OpenFlags.RENAME_NOREPLACE, 1 => OpenFlags.RENAME_EXCHANGE, _ => 0 };
        string from = _random.Next(4) == 0 ? PickPath() : PickFrom(_random.Next(3) == 0 ? _dirs : _files);
        string to = flags == OpenFlags.RENAME_EXCHANGE ? PickFrom(_random.Next(4) == 0 ? _dirs : _files)
            : _random.Next(3) == 0 ? PickPath() : PickFree();
        return new RenameOperation(from, to, flags);
    }

    // In a dir (the root now and then), linked to a likely free name; one in five may never be linked (O_EXCL).
    private TmpFileLinkOperation NextTmpFile() =>
        new(_random.Next(4) == 0 ? "." : PickFrom(_dirs), PickFree(), PickMode(), LayerStackGenerator.RandomText(_random, 1), Exclusive: _random.Next(5) == 0);

    private SetXattrOperation NextSetXattr(string path)
    {
        int flags = _random.Next(4) switch { 0 => Libc.XATTR_CREATE, 1 => Libc.XATTR_REPLACE, _ => 0 };
        // REPLACE needs the xattr there already.
        (string target, string name) = flags == Libc.XATTR_REPLACE ? PickXattrOf(path) : (path, PickXattr());
        return new SetXattrOperation(target, name, LayerStackGenerator.RandomText(_random, 1), flags);
    }

    private XattrOperation NextXattrQuery(string path)
    {
        (string target, string name) = PickXattrOf(path);
        return _random.Next(3) switch
        {
            0 => new ListXattrOperation(target),
            1 => new RemoveXattrOperation(target, name),
            _ => new GetXattrOperation(target, name),
        };
    }

    private void LearnFrom(Operation op)
    {
        switch (op)
        {
            case MkdirOperation m: Remember(_dirs, m.Path); break;
            case OpenOperation { Flags: var f } o when (f & OpenFlags.O_CREAT) != 0: Remember(_files, o.Path); break;
            case MkfifoOperation or LinkOperation or TmpFileLinkOperation: Remember(_files, op.Touched.Last()); break;
            case SymlinkOperation y: Remember(_symlinks, y.Path); break;
            case SetXattrOperation x: _xattrs.Add((x.Path, x.Name)); break;
            case RenameOperation r:
                foreach (List<string> kind in (List<string>[])[_dirs, _files, _symlinks])
                    if (kind.Contains(r.From)) Remember(kind, r.To);
                break;
        }
    }

    private static void Remember(List<string> paths, string path)
    {
        if (!paths.Contains(path)) paths.Add(path);
    }

    /// <summary>Mostly a path of that kind; sometimes any path, so wrong types still meet every call.</summary>
    private string PickFrom(List<string> paths) =>
        paths.Count > 0 && _random.Next(4) != 0 ? paths[_random.Next(paths.Count)] : PickPath();

    /// <summary>
    /// A name likely free: a pool name or a fresh one ("n0" to "n9") inside a known dir or the root. The pool names
    /// still collide now and then with what the layers have, which keeps EEXIST and whiteout replacement
    /// in play.
    /// </summary>
    private string PickFree()
    {
        if (_random.Next(5) == 0) return PickPath();
        string name = _random.Next(2) == 0 ? $"n{_random.Next(10)}" : PathPool.Random(_random, 1);
        return _dirs.Count > 0 && _random.Next(3) != 0 ? $"{_dirs[_random.Next(_dirs.Count)]}/{name}" : name;
    }

    /// <summary>Mostly an xattr some layer or step set; else the path given with any name.</summary>
    private (string Path, string Name) PickXattrOf(string path) =>
        _xattrs.Count > 0 && _random.Next(4) != 0 ? _xattrs[_random.Next(_xattrs.Count)] : (path, PickXattr());

    private string PickPath() => _known.Count > 0 && _random.Next(4) != 0 ? _known[_random.Next(_known.Count)] : PathPool.Random(_random);

    private uint PickMode() => Modes[_random.Next(Modes.Length)];

    private long PickOffset() => Pick(Offsets);

    private T Pick<T>(T[] values) => values[_random.Next(values.Length)];

    private string PickXattr() => XattrNames[_random.Next(XattrNames.Length)];
}
