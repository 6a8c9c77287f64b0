using Strata.Differential.Tests.Layers;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// A random sequence of operations over the paths of a layer stack. Most steps name a path some layer has or
/// an earlier step made, so they mostly succeed; the rest name fresh paths, so errors are exercised too.
/// </summary>
public sealed class RandomScript
{
    private static readonly uint[] Modes = [0x1A4, 0x180, 0x1ED, 0x124, 0x1C0, 0x1FF]; // 644 600 755 444 700 777
    private static readonly string[] XattrNames = ["user.p", "user.q", "user.r"];

    private readonly Random _random;
    private readonly List<string> _known;

    private RandomScript(Random random, IEnumerable<string> knownPaths)
    {
        _random = random;
        _known = knownPaths.OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    public static List<Operation> Generate(Random random, LayerStackSpec layers, int length)
    {
        var script = new RandomScript(random, layers.AllPaths);
        var steps = new List<Operation>(length);
        for (int i = 0; i < length; i++) steps.Add(script.Next());
        return steps;
    }

    private Operation Next()
    {
        string path = PickPath();
        Operation op = _random.Next(27) switch
        {
            0 => new OpenOperation(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, PickMode()),
            1 => new OpenOperation(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT, PickMode()),
            2 => new OpenOperation(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, 0),
            3 => new OpenOperation(path, OpenFlags.O_RDONLY | (_random.Next(2) == 0 ? OpenFlags.O_DIRECTORY : OpenFlags.O_NOFOLLOW), 0),
            4 or 5 => new WriteOperation(path, _random.Next(3) == 0 ? _random.Next(40) : 0, LayerStackGenerator.RandomText(_random, 1), Append: false),
            6 => new WriteOperation(path, 0, LayerStackGenerator.RandomText(_random, 1), Append: true),
            7 => new TruncateOperation(path, _random.Next(3) == 0 ? 0 : _random.Next(30)),
            8 or 9 => new ReadOperation(path),
            10 => new StatOperation(path),
            11 or 12 => new ReaddirOperation(_random.Next(5) == 0 ? "." : path),
            13 => new MkdirOperation(path, PickMode()),
            14 => new RmdirOperation(path),
            15 => new UnlinkOperation(path),
            16 or 17 => new RenameOperation(path, PickPath(), _random.Next(4) switch { 0 => OpenFlags.RENAME_NOREPLACE, 1 => OpenFlags.RENAME_EXCHANGE, _ => 0 }),
            18 => new SymlinkOperation(_random.Next(2) == 0 ? PathPool.Random(_random, 1) : "missing", path),
            19 => new ReadlinkOperation(path),
            20 => new LinkOperation(path, PickPath()),
            21 => new ChmodOperation(path, PickMode()),
            22 => new ChownOperation(path, _random.Next(2) == 0 ? 0u : 1000u, _random.Next(2) == 0 ? 0u : 1000u),
            23 => new UtimeOperation(path, 1_000_000_000 + _random.Next(1_000_000)),
            24 => new SetXattrOperation(path, PickXattr(), LayerStackGenerator.RandomText(_random, 1), _random.Next(4) switch { 0 => Libc.XATTR_CREATE, 1 => Libc.XATTR_REPLACE, _ => 0 }),
            25 => _random.Next(3) switch { 0 => new ListXattrOperation(path), 1 => new RemoveXattrOperation(path, PickXattr()), _ => new GetXattrOperation(path, PickXattr()) },
            _ => new MkfifoOperation(path, PickMode()),
        };
        foreach (string touched in op.Touched)
            if (!_known.Contains(touched)) _known.Add(touched);
        return op;
    }

    private string PickPath() => _known.Count > 0 && _random.Next(4) != 0 ? _known[_random.Next(_known.Count)] : PathPool.Random(_random);

    private uint PickMode() => Modes[_random.Next(Modes.Length)];

    private string PickXattr() => XattrNames[_random.Next(XattrNames.Length)];
}
