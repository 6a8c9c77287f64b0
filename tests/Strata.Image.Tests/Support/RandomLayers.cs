namespace Strata.Image.Tests.Support;

/// <summary>
/// Random layer tars from a seed, in the OCI form the unpacker reads: files, dirs, symlinks (to a sibling
/// name, so a lookup through them stays inside the image), hard links, <c>.wh.</c> whiteouts and opaque
/// markers, over a small pool of names so that layers overwrite, delete and change the type of each other's
/// entries. Each layer is consistent on its own (an entry's parents are dirs of that layer).
/// </summary>
public static class RandomLayers
{
    private static readonly string[] Names = ["a", "b", "c", "d"];

    public static List<byte[]> Generate(Random random)
    {
        int count = 2 + random.Next(3);
        return Enumerable.Range(0, count).Select(_ => Layer(random)).ToList();
    }

    /// <summary>Every path of up to three components over the name pool: what the tests look up.</summary>
    public static IEnumerable<string> AllPaths()
    {
        foreach (string a in Names)
        {
            yield return a;
            foreach (string b in Names)
            {
                yield return $"{a}/{b}";
                foreach (string c in Names)
                    yield return $"{a}/{b}/{c}";
            }
        }
    }

    private static byte[] Layer(Random random)
    {
        var tar = new TarBuilder();
        var kinds = new Dictionary<string, char>(StringComparer.Ordinal); // d dir, f file, o other
        int steps = 3 + random.Next(10);
        for (int i = 0; i < steps; i++)
        {
            string[] parts = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Names[random.Next(Names.Length)]).ToArray();
            string path = string.Join('/', parts);
            if (kinds.ContainsKey(path) || !Parents(parts, kinds, tar))
                continue;
            string parent = string.Join('/', parts[..^1]);
            string prefix = parent.Length == 0 ? "" : parent + "/";
            switch (random.Next(9))
            {
                case 0 or 1:
                    tar.Dir(path + "/");
                    kinds[path] = 'd';
                    break;
                case 2 or 3:
                    tar.File(path, $"{path} {random.Next(1000)}");
                    kinds[path] = 'f';
                    break;
                case 4:
                    tar.Symlink(path, Names[random.Next(Names.Length)]);
                    kinds[path] = 'o';
                    break;
                case 5:
                    string? target = kinds.Where(k => k.Value == 'f').Select(k => k.Key).Order(StringComparer.Ordinal).FirstOrDefault();
                    if (target is null)
                        continue;
                    tar.HardLink(path, target);
                    kinds[path] = 'f';
                    break;
                case 6 or 7:
                    tar.File($"{prefix}.wh.{parts[^1]}", "");
                    kinds[path] = 'o';
                    break;
                default:
                    // An opaque marker: in a dir of this layer made for it, or in one the layer already has.
                    string? dir = random.Next(2) == 0 ? kinds.Where(k => k.Value == 'd').Select(k => k.Key).Order(StringComparer.Ordinal).FirstOrDefault() : null;
                    if (dir is null)
                    {
                        tar.Dir(path + "/");
                        kinds[path] = 'd';
                        dir = path;
                    }
                    tar.File($"{dir}/.wh..wh..opq", "");
                    break;
            }
        }
        return tar.Build();
    }

    /// <summary>Makes the parents of a path dirs of the layer; false when one of them is already something else.</summary>
    private static bool Parents(string[] parts, Dictionary<string, char> kinds, TarBuilder tar)
    {
        for (int i = 1; i < parts.Length; i++)
        {
            string parent = string.Join('/', parts[..i]);
            if (kinds.TryGetValue(parent, out char kind))
            {
                if (kind != 'd')
                    return false;
                continue;
            }
            tar.Dir(parent + "/");
            kinds[parent] = 'd';
        }
        return true;
    }
}
