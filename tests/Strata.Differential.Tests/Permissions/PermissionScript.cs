using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;
using Strata.Posix;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// The random script of the main harness (every kind of step, aimed by type), with steps added that matter to
/// permissions (set-id modes, chown to other users and groups, touch, trusted.* xattrs, writes and truncates of
/// set-id files, creates and renames in sticky and setgid dirs), each step run as alice, bob or root with a umask.
/// With <c>acls</c> (a random of its own, see <see cref="PermissionAcls"/>) ACL steps are mixed in as well.
/// </summary>
public static class PermissionScript
{
    private static readonly uint[] Modes = [0x9ED, 0x5ED, 0xDED, 0x3FF, 0x5FD, 0x1C0, 0x1B6, 0x5A4, 0x1ED]; // 4755 2755 6755 1777 2775 700 666 2644 755
    private static readonly uint[] CreateModes = [0x1B6, 0x1A4, 0x9ED, 0x5ED, 0x1FF, 0x5FD, 0x3FF];    // 666 644 4755 2755 777 2775 1777
    private static readonly uint[] Uids = [uint.MaxValue, 0, 1000, 1001];
    private static readonly uint[] Gids = [uint.MaxValue, 0, Users.SharedGroup, 1000, 1001];
    private static readonly string[] XattrNames = ["user.p", "user.q", "trusted.t"];

    public static List<Operation> Generate(Random random, LayerStackSpec layers, int length, Random? acls = null)
    {
        List<Operation> common = RandomScript.Generate(random, layers, length * 2 / 3);
        List<string> paths = layers.AllPaths.Concat(common.SelectMany(s => s.Touched)).Distinct().Order(StringComparer.Ordinal).ToList();
        List<string> dirs = PermissionLayerGenerator.Skeleton.Select(s => s.Path)
            .Concat(layers.Lowers.SelectMany(l => l).OfType<LayerEntry.Dir>().Select(d => d.Path)).Distinct().Order(StringComparer.Ordinal).ToList();
        Dictionary<string, uint> owners = Owners(layers);
        var steps = new List<Operation>(length);
        foreach (Operation step in common)
        {
            if (random.Next(2) == 0) steps.Add(AsSomeone(random, Extra(random, paths, dirs), owners));
            if (acls is not null && acls.Next(4) == 0) steps.Add(AsSomeone(acls, PermissionAcls.Step(acls, paths, dirs), owners));
            steps.Add(AsSomeone(random, step, owners));
        }
        return steps;
    }

    /// <summary>
    /// Half the time the owner of what the step aims at (as the layers have it), so that what only an owner may do
    /// (chmod, chown, utimes, writing a 0600 file) succeeds often enough to be compared; else anyone.
    /// </summary>
    private static CallerOperation AsSomeone(Random random, Operation step, Dictionary<string, uint> owners)
    {
        TestUser user = Users.Pick(random);
        if (random.Next(2) == 0 && step.Touched.FirstOrDefault() is { } path && owners.TryGetValue(path, out uint uid))
            user = uid == Users.Alice.Uid ? Users.Alice : uid == Users.Bob.Uid ? Users.Bob : TestUser.Root;
        return new CallerOperation(user, Users.PickUmask(random), step);
    }

    /// <summary>Who owns each path in the top-most layer that gives it an owner.</summary>
    private static Dictionary<string, uint> Owners(LayerStackSpec layers)
    {
        var owners = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (IReadOnlyList<LayerEntry> layer in layers.Lowers)
        {
            foreach (LayerEntry.Ownership o in layer.OfType<LayerEntry.Ownership>())
                owners.TryAdd(o.Path, o.Uid);
        }
        return owners;
    }

    private static Operation Extra(Random random, List<string> paths, List<string> dirs)
    {
        string path = paths[random.Next(paths.Count)];
        string fresh = $"{dirs[random.Next(dirs.Count)]}/n{random.Next(4)}";
        return random.Next(12) switch
        {
            0 => new ChmodOperation(path, Pick(random, Modes)),
            1 => new ChownOperation(path, Pick(random, Uids), Pick(random, Gids)),
            2 => new TouchNowOperation(path),
            3 => new SetXattrOperation(path, Pick(random, XattrNames), LayerStackGenerator.RandomText(random, 1), 0),
            4 => new RemoveXattrOperation(path, Pick(random, XattrNames)),
            5 => new WriteOperation(path, 0, LayerStackGenerator.RandomText(random, 1), Append: random.Next(2) == 0),
            6 => new OpenOperation(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, 0),
            7 => new MkdirOperation(fresh, Pick(random, CreateModes)),
            8 => new OpenOperation(fresh, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | (random.Next(2) == 0 ? OpenFlags.O_EXCL : 0), Pick(random, CreateModes)),
            9 => new RenameOperation(path, random.Next(2) == 0 ? fresh : paths[random.Next(paths.Count)], random.Next(3) == 0 ? OpenFlags.RENAME_NOREPLACE : 0),
            10 => new UnlinkOperation(path),
            _ => new LinkOperation(path, fresh),
        };
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
