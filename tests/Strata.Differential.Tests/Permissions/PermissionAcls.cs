using Strata.Differential.Tests.Layers;
using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// POSIX ACLs for the permission runs: access ACLs that grant or deny alice, bob or group 100 what the mode would
/// not, and default ACLs on dirs (with and without named entries and a mask) that new objects inherit instead of
/// the umask. Drawn from a random of their own, so that the layers and steps a seed gave before ACLs were added
/// stay what they were (the kept seeds still replay their scripts) and only gain ACLs and ACL steps.
/// </summary>
public static class PermissionAcls
{
    private static readonly string[] AccessAcls =
    [
        "u::rw-,u:1000:rw-,g::r--,m::rw-,o::r--",
        "u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---",
        "u::rw-,u:1001:---,g::rw-,m::rw-,o::rw-",
        "u::rwx,g::r-x,g:100:rwx,m::rwx,o::---",
        "u::rw-,u:1000:r--,u:1001:rw-,g::---,m::rw-,o::---",
        "u::rwx,u:1000:rwx,g::r-x,m::r-x,o::r-x",  // the mask takes alice's w and x back
        "u::rwx,g::rwx,o::r-x",                     // no more than a mode: the kernel keeps no xattr for it
    ];

    private static readonly string[] DefaultAcls =
    [
        "u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---",
        "u::rwx,g::rwx,o::rwx",                     // minimal: the umask no longer applies under it
        "u::rw-,u:1000:rwx,g::r--,g:100:rw-,m::r-x,o::r--",
        "u::rwx,g::r-x,m::r--,o::---",
        "u::rwx,u:1000:rwx,u:1001:r-x,g::---,m::rwx,o::---",
    ];

    /// <summary>The random for a seed's ACLs, apart from the one that draws its layers and steps.</summary>
    public static Random RandomFor(int seed) => new(unchecked(seed * 7919 + 0xAC1));

    /// <summary>Each lower gains a few ACLs on what it holds (default ACLs on dirs only), set after the owners and modes.</summary>
    public static LayerStackSpec AddTo(LayerStackSpec layers, Random random)
    {
        var lowers = new List<IReadOnlyList<LayerEntry>>();
        foreach (IReadOnlyList<LayerEntry> layer in layers.Lowers)
        {
            var entries = layer.ToList();
            var removed = layer.OfType<LayerEntry.Whiteout>().Select(w => w.Path).ToHashSet(StringComparer.Ordinal);
            List<string> dirs = layer.OfType<LayerEntry.Dir>().Select(d => d.Path).Where(p => !removed.Contains(p)).Distinct().ToList();
            List<string> files = layer.OfType<LayerEntry.File>().Select(f => f.Path).Where(p => !removed.Contains(p)).Distinct().ToList();
            int count = random.Next(4);
            for (int i = 0; i < count; i++)
            {
                if (random.Next(2) == 0 && dirs.Count > 0)
                    entries.Add(new LayerEntry.Acl(dirs[random.Next(dirs.Count)], Default: true, Pick(random, DefaultAcls)));
                else if (files.Count + dirs.Count > 0)
                {
                    int at = random.Next(files.Count + dirs.Count);
                    entries.Add(new LayerEntry.Acl(at < files.Count ? files[at] : dirs[at - files.Count], Default: false, Pick(random, AccessAcls)));
                }
            }
            lowers.Add(entries);
        }
        return new LayerStackSpec(lowers);
    }

    /// <summary>An ACL step aimed at one of the paths or dirs: set an access or default ACL, read one, or remove one.</summary>
    public static Operation Step(Random random, List<string> paths, List<string> dirs) => random.Next(6) switch
    {
        0 or 1 => new SetAclOperation(paths[random.Next(paths.Count)], Default: false, Pick(random, AccessAcls)),
        2 => new SetAclOperation(random.Next(4) == 0 ? paths[random.Next(paths.Count)] : dirs[random.Next(dirs.Count)], Default: true, Pick(random, DefaultAcls)),
        3 => new GetXattrOperation(paths[random.Next(paths.Count)], random.Next(2) == 0 ? AclText.AccessXattr : AclText.DefaultXattr),
        _ => new RemoveXattrOperation(random.Next(2) == 0 ? paths[random.Next(paths.Count)] : dirs[random.Next(dirs.Count)],
            random.Next(2) == 0 ? AclText.AccessXattr : AclText.DefaultXattr),
    };

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
