using Strata.Differential.Tests.Layers;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// Random lowers whose entries belong to several users with modes that matter to permission checks: a world-
/// writable dir, a sticky /tmp-like dir, a setgid dir of group 100, 0700 and 0750 home dirs, a read-only dir, and
/// in them files and dirs of root, alice and bob, set-id files, files nobody may write, symlinks, hard links,
/// whiteouts, opaque dirs and user.* xattrs. A dir's owner and mode may differ from one layer to the next (the top
/// one counts).
/// </summary>
public static class PermissionLayerGenerator
{
    /// <summary>The top dirs and what they usually are.</summary>
    public static readonly (string Path, Attrs Attrs)[] Skeleton =
    [
        ("pub", new(0, 0, 0x1FF)),        // 0777
        ("tmp", new(0, 0, 0x3FF)),        // 1777
        ("shared", new(0, Users.SharedGroup, 0x5FD)), // 2775
        ("home", new(0, 0, 0x1ED)),       // 0755
        ("home/alice", new(1000, 1000, 0x1C0)), // 0700
        ("home/bob", new(1001, 1001, 0x1E8)),   // 0750
        ("ro", new(0, 0, 0x16D)),         // 0555
        ("priv", new(1000, 1000, 0x1ED)), // 0755
    ];

    private static readonly string[] Names = ["f", "g", "d", "x"];

    private static readonly Attrs[] FileAttrs =
    [
        new(0, 0, 0x1A4), new(0, 0, 0x180), new(0, 0, 0x1B6), new(0, 0, 0x9ED),          // 644 600 666 4755
        new(1000, 1000, 0x1A4), new(1000, 1000, 0x180), new(1000, 1000, 0x124),         // 644 600 444
        new(1000, 1000, 0x9ED), new(1000, Users.SharedGroup, 0x5ED), new(1000, 1000, 0x5A4), // 4755 2755 2644
        new(1001, 1001, 0x1B6), new(1001, 1001, 0x1A0), new(1001, 1001, 0xDED),         // 666 640 6755
        new(0, Users.SharedGroup, 0x1B4),                                                // 664
    ];

    private static readonly Attrs[] DirAttrs =
    [
        new(0, 0, 0x1ED), new(0, 0, 0x1FF), new(0, 0, 0x3FF), new(0, Users.SharedGroup, 0x5FD), // 755 777 1777 2775
        new(1000, 1000, 0x1C0), new(1001, 1001, 0x1ED), new(1000, Users.SharedGroup, 0x5F8),    // 700 755 2770
        new(0, 0, 0x16D), new(1000, 1000, 0x3FF),                                                 // 555 1777
    ];

    public sealed record Attrs(uint Uid, uint Gid, uint Mode);

    public static LayerStackSpec Generate(Random random)
    {
        int count = 1 + random.Next(3);
        var lowers = new List<IReadOnlyList<LayerEntry>>();
        for (int i = 0; i < count; i++) lowers.Add(GenerateLayer(random, bottom: i == count - 1));
        return new LayerStackSpec(lowers);
    }

    private static List<LayerEntry> GenerateLayer(Random random, bool bottom)
    {
        var entries = new List<LayerEntry>();
        var kinds = new Dictionary<string, char>(StringComparer.Ordinal); // 'd' dir, 'f' file, 'o' other
        // The bottom layer has the whole skeleton, so the top dirs are there whatever the layers above do.
        foreach (var (path, attrs) in Skeleton)
        {
            bool parentThere = PathPool.Parent(path) is not { } parent || kinds.ContainsKey(parent);
            if (parentThere && (bottom || random.Next(3) == 0)) AddDir(entries, kinds, path, random.Next(4) == 0 ? Pick(random, DirAttrs) : attrs, random);
        }
        int steps = 3 + random.Next(10);
        for (int i = 0; i < steps; i++)
        {
            string path = RandomPath(random);
            if (kinds.ContainsKey(path) || !MakeParents(path, kinds, entries, random)) continue;
            switch (random.Next(10))
            {
                case 0 or 1:
                    AddDir(entries, kinds, path, Pick(random, DirAttrs), random);
                    break;
                case 2 or 3 or 4:
                    Attrs a = Pick(random, FileAttrs);
                    entries.Add(new LayerEntry.File(path, 0x1A4, LayerStackGenerator.RandomText(random, 1), 0));
                    entries.Add(new LayerEntry.Ownership(path, a.Uid, a.Gid, a.Mode));
                    kinds[path] = 'f';
                    break;
                case 5:
                    entries.Add(new LayerEntry.Symlink(path, random.Next(2) == 0 ? Names[random.Next(Names.Length)] : "../" + Names[random.Next(Names.Length)]));
                    if (random.Next(2) == 0) entries.Add(new LayerEntry.Ownership(path, 1000, 1000, null));
                    kinds[path] = 'o';
                    break;
                case 6:
                    LayerStackGenerator.AddHardLink(entries, kinds, path, random);
                    break;
                case 7:
                    entries.Add(new LayerEntry.Whiteout(path));
                    kinds[path] = 'o';
                    break;
                default:
                    LayerStackGenerator.AddUserXattr(entries, kinds, random);
                    break;
            }
        }
        return entries;
    }

    private static string RandomPath(Random random)
    {
        string top = Skeleton[random.Next(Skeleton.Length)].Path;
        string path = $"{top}/{Names[random.Next(Names.Length)]}";
        return random.Next(3) == 0 ? $"{path}/{Names[random.Next(Names.Length)]}" : path;
    }

    private static void AddDir(List<LayerEntry> entries, Dictionary<string, char> kinds, string path, Attrs attrs, Random random)
    {
        entries.Add(new LayerEntry.Dir(path, 0x1ED, Opaque: random.Next(8) == 0));
        entries.Add(new LayerEntry.Ownership(path, attrs.Uid, attrs.Gid, attrs.Mode));
        kinds[path] = 'd';
    }

    /// <summary>Adds the missing parents of path as dirs (the skeleton's attributes for top dirs); false when one is a non-dir.</summary>
    private static bool MakeParents(string path, Dictionary<string, char> kinds, List<LayerEntry> entries, Random random)
    {
        if (LayerStackGenerator.MissingParents(path, kinds) is not { } missing) return false;
        for (int i = missing.Count - 1; i >= 0; i--)
        {
            Attrs attrs = Array.Find(Skeleton, s => s.Path == missing[i]).Attrs ?? Pick(random, DirAttrs);
            AddDir(entries, kinds, missing[i], attrs, random);
        }
        return true;
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
