using System.Text;
using Strata.Posix;

namespace Strata.Image.Diff;

public enum OriginKind
{
    /// <summary>The path is in the image; <see cref="PathOrigin.Layer"/> holds its visible version.</summary>
    Visible,

    /// <summary>A layer has it, but <see cref="PathOrigin.Layer"/> (a whiteout, an opaque dir, a non-dir over a parent) hides it.</summary>
    Deleted,

    /// <summary>No layer has it (or a parent in the image is not a dir).</summary>
    Absent,
}

/// <summary>
/// Where the version of a path that the image shows comes from. Layers are bottom-first indices.
/// <see cref="Detail"/> says what the entry is (<c>file, 12 bytes</c>) or what hides it (<c>whiteout</c>,
/// <c>opaque dir /opq</c>, <c>/a is a file there</c>). For a visible dir, <see cref="MergedWith"/> lists the
/// lower layers whose same dir shows through it; for a deleted path, <see cref="HiddenIn"/> is the highest
/// layer below that still holds it. <see cref="Via"/> lists the symlinks followed on the way, and
/// <see cref="Resolved"/> is the path they led to (the one looked up in the layers).
/// </summary>
public sealed record PathOrigin(
    string Path,
    string Resolved,
    OriginKind Kind,
    int Layer,
    string Detail,
    IReadOnlyList<int> MergedWith,
    int? HiddenIn,
    IReadOnlyList<string> Via);

/// <summary>
/// Looks paths up in an image's layers with the union rules (through <see cref="LowerStack"/>, which reads
/// the engine's on-disk format). A symlink on the way is followed inside the image, as a lookup in the
/// mounted root would (an absolute target starts again at the image root, <c>..</c> stops at it); the final
/// component is not followed.
/// </summary>
public sealed class PathOrigins : IDisposable
{
    /// <summary>What the kernel follows in one lookup before it gives ELOOP.</summary>
    private const int MaxSymlinks = 40;

    private readonly LowerStack _stack;
    private readonly int _count;

    public PathOrigins(IReadOnlyList<string> diffDirsBottomFirst)
    {
        _count = diffDirsBottomFirst.Count;
        _stack = new LowerStack(diffDirsBottomFirst.Reverse().ToList());
    }

    public void Dispose() => _stack.Dispose();

    private int Bottom(int topFirst) => _count - 1 - topFirst;

    public PathOrigin Find(string path)
    {
        var pending = new Queue<byte[]>(Split(path));
        var resolved = new List<byte[]>();
        var via = new List<string>();
        int followed = 0;
        while (pending.Count > 0)
        {
            byte[] name = pending.Dequeue();
            if (name is [(byte)'.'])
                continue;
            if (name is [(byte)'.', (byte)'.'])
            {
                if (resolved.Count > 0)
                    resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            List<byte[]> candidate = [.. resolved, name];
            StackHit hit = _stack.Locate(candidate);
            if (!hit.Visible)
                return Hidden(path, [.. candidate, .. pending], hit, via);
            StatX st = hit.Hit.Stat;
            if (pending.Count == 0)
                return Visible(path, candidate, hit, via);
            if (st.IsSymlink)
            {
                if (++followed > MaxSymlinks)
                    return new PathOrigin(path, LayerDiff.PathText(candidate), OriginKind.Absent, -1, $"more than {MaxSymlinks} symlinks on the way (a loop)", [], null, via);
                byte[] target = _stack.ReadLink(hit.Layer, candidate);
                via.Add($"{LayerDiff.PathText(candidate)} -> {Encoding.UTF8.GetString(target)} (layer {Bottom(hit.Layer)})");
                if (target is [(byte)'/', ..])
                    resolved.Clear();
                var rest = new List<byte[]>(Split(target));
                rest.AddRange(pending);
                pending = new Queue<byte[]>(rest);
                continue;
            }
            if (!st.IsDirectory)
            {
                return new PathOrigin(path, LayerDiff.PathText(candidate), OriginKind.Absent, -1,
                    $"{LayerDiff.PathText(candidate)} is a {TypeName(st)} (layer {Bottom(hit.Layer)}), not a dir", [], null, via);
            }
            resolved = candidate;
        }
        // Nothing left: the path named the root (or resolved back to it).
        return Visible(path, resolved, _stack.Locate(resolved), via);
    }

    private PathOrigin Visible(string path, List<byte[]> components, StackHit hit, List<string> via)
    {
        StatX st = hit.Hit.Stat;
        string detail = st.IsRegular ? $"file, {st.Size} bytes"
            : st.IsSymlink ? $"symlink -> {Encoding.UTF8.GetString(_stack.ReadLink(hit.Layer, components))}"
            : TypeName(st);
        var merged = new List<int>();
        if (st.IsDirectory && hit.Layer >= 0 && !hit.Hit.OpaqueOnTheWay && !_stack.IsOpaqueDir(hit.Layer, components))
        {
            // The same dir below shows through until an opaque one, or anything that is not a dir, ends the merge.
            for (int below = hit.Layer + 1; below < _count; below++)
            {
                LayerHit lower = _stack.Resolve(below, components);
                if (lower.Verdict == LayerVerdict.NotHere)
                    continue;
                if (lower.Verdict != LayerVerdict.Found || !lower.Stat.IsDirectory)
                    break;
                merged.Add(Bottom(below));
                if (lower.OpaqueOnTheWay || _stack.IsOpaqueDir(below, components))
                    break;
            }
        }
        return new PathOrigin(path, LayerDiff.PathText(components), OriginKind.Visible, hit.Layer < 0 ? -1 : Bottom(hit.Layer), detail, merged, null, via);
    }

    /// <summary>A path that no layer shows: <paramref name="hit"/> is the verdict on a prefix of <paramref name="components"/> (all of them, or a dir on the way).</summary>
    private PathOrigin Hidden(string path, List<byte[]> components, StackHit hit, List<string> via)
    {
        if (hit.Layer < 0)
        {
            string absent = hit.Hit.Depth >= components.Count ? "no layer has it" : $"no layer has {LayerDiff.PathText(components.Take(hit.Hit.Depth))}";
            return new PathOrigin(path, LayerDiff.PathText(components), OriginKind.Absent, -1, absent, [], null, via);
        }
        bool itself = hit.Hit.Depth == components.Count;
        string at = LayerDiff.PathText(components.Take(hit.Hit.Depth));
        string what = hit.Hit.Verdict switch
        {
            LayerVerdict.Whiteout => itself ? "whiteout" : $"whiteout of {at}",
            LayerVerdict.OpaqueDir => $"opaque dir {at}",
            _ => $"{at} is a {TypeName(hit.Hit.Stat)} there",
        };
        int? hiddenIn = null;
        for (int below = hit.Layer + 1; below < _count && hiddenIn is null; below++)
        {
            if (_stack.Resolve(below, components).Verdict == LayerVerdict.Found)
                hiddenIn = Bottom(below);
        }
        return new PathOrigin(path, LayerDiff.PathText(components), OriginKind.Deleted, Bottom(hit.Layer), what, [], hiddenIn, via);
    }

    private static IEnumerable<byte[]> Split(string path) => Split(Encoding.UTF8.GetBytes(path));

    private static IEnumerable<byte[]> Split(byte[] path)
    {
        int start = 0;
        for (int i = 0; i <= path.Length; i++)
        {
            if (i == path.Length || path[i] == (byte)'/')
            {
                if (i > start)
                    yield return path[start..i];
                start = i + 1;
            }
        }
    }

    private static string TypeName(in StatX st) => (st.Mode & FileType.S_IFMT) switch
    {
        FileType.S_IFREG => "file",
        FileType.S_IFDIR => "dir",
        FileType.S_IFLNK => "symlink",
        FileType.S_IFIFO => "fifo",
        FileType.S_IFCHR => "char device",
        FileType.S_IFBLK => "block device",
        FileType.S_IFSOCK => "socket",
        _ => "entry",
    };
}
