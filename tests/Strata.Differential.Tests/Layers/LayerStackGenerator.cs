namespace Strata.Differential.Tests.Layers;

/// <summary>
/// Random lowers from a seed: 1-4 layers of files with random content and modes, dirs, symlinks, hard links,
/// user.* xattrs, whiteouts (char 0/0) and opaque dirs. Each layer is consistent on its own (an entry's
/// parents are dirs of that layer); across layers anything goes, which is where the union rules bite.
/// </summary>
public static class LayerStackGenerator
{
    private static readonly uint[] FileModes = [0x1A4, 0x180, 0x1ED, 0x124, 0x1C0]; // 644 600 755 444 700
    private static readonly uint[] DirModes = [0x1ED, 0x1C0, 0x1C9, 0x1FF];           // 755 700 711 777

    public static LayerStackSpec Generate(Random random)
    {
        int count = 1 + random.Next(4);
        var lowers = new List<IReadOnlyList<LayerEntry>>();
        for (int i = 0; i < count; i++) lowers.Add(GenerateLayer(random));
        return new LayerStackSpec(lowers);
    }

    private static List<LayerEntry> GenerateLayer(Random random)
    {
        var entries = new List<LayerEntry>();
        var kinds = new Dictionary<string, char>(StringComparer.Ordinal); // 'd' dir, 'f' file, 'o' other
        int steps = 4 + random.Next(12);
        for (int i = 0; i < steps; i++)
        {
            string path = PathPool.Random(random);
            if (kinds.ContainsKey(path) || !MakeParents(path, kinds, entries, random)) continue;
            switch (random.Next(10))
            {
                case 0 or 1:
                    entries.Add(new LayerEntry.Dir(path, Pick(random, DirModes), Opaque: random.Next(4) == 0));
                    kinds[path] = 'd';
                    break;
                case 2 or 3 or 4:
                    entries.Add(new LayerEntry.File(path, Pick(random, FileModes), RandomText(random), random.Next(5) == 0 ? 1000u : 0u));
                    kinds[path] = 'f';
                    break;
                case 5:
                    // Dangling targets are relative: an O_CREAT through an absolute one would write on the host.
                    entries.Add(new LayerEntry.Symlink(path, random.Next(3) == 0 ? "missing" : RelativeTarget(path, random)));
                    kinds[path] = 'o';
                    break;
                case 6:
                    AddHardLink(entries, kinds, path, random);
                    break;
                case 7:
                    entries.Add(new LayerEntry.Whiteout(path));
                    kinds[path] = 'o';
                    break;
                default:
                    AddUserXattr(entries, kinds, random);
                    break;
            }
        }
        return entries;
    }

    /// <summary>A hard link at path to one of the layer's first files, when it has one.</summary>
    public static void AddHardLink(List<LayerEntry> entries, Dictionary<string, char> kinds, string path, Random random)
    {
        string? existing = kinds.Where(k => k.Value == 'f').Select(k => k.Key).OrderBy(k => k, StringComparer.Ordinal).ElementAtOrDefault(random.Next(4));
        if (existing is null) return;
        entries.Add(new LayerEntry.HardLink(path, existing));
        kinds[path] = 'f';
    }

    /// <summary>A user.* xattr on one of the layer's first files or dirs, when it has one.</summary>
    public static void AddUserXattr(List<LayerEntry> entries, Dictionary<string, char> kinds, Random random)
    {
        string? target = kinds.Where(k => k.Value != 'o').Select(k => k.Key).OrderBy(k => k, StringComparer.Ordinal).ElementAtOrDefault(random.Next(6));
        if (target is null) return;
        entries.Add(new LayerEntry.UserXattr(target, "user." + (char)('p' + random.Next(3)), RandomText(random, 1)));
    }

    /// <summary>The ancestors of path the layer does not have yet, nearest first; null when one it has is a non-dir.</summary>
    public static List<string>? MissingParents(string path, Dictionary<string, char> kinds)
    {
        var missing = new List<string>();
        foreach (string parent in PathPool.Ancestors(path))
        {
            if (kinds.TryGetValue(parent, out char kind))
                return kind == 'd' ? missing : null;
            missing.Add(parent);
        }
        return missing;
    }

    /// <summary>Adds the missing parents of path as dirs; false when one of them is already a non-dir.</summary>
    private static bool MakeParents(string path, Dictionary<string, char> kinds, List<LayerEntry> entries, Random random)
    {
        if (MissingParents(path, kinds) is not { } missing) return false;
        for (int i = missing.Count - 1; i >= 0; i--)
        {
            entries.Add(new LayerEntry.Dir(missing[i], 0x1ED, Opaque: random.Next(8) == 0));
            kinds[missing[i]] = 'd';
        }
        return true;
    }

    private static string RelativeTarget(string path, Random random)
    {
        string target = PathPool.Random(random, 1);
        return PathPool.Parent(path) is null ? target : random.Next(2) == 0 ? target : "../" + target;
    }

    public static string RandomText(Random random, int minLength = 0)
    {
        int length = minLength + random.Next(24);
        return string.Create(length, random, (span, r) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = (char)('a' + r.Next(26));
        });
    }

    private static uint Pick(Random random, uint[] values) => values[random.Next(values.Length)];
}
