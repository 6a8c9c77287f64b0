namespace Strata.Union.Lookup;

/// <summary>
/// What a lookup looks for in the layers below once a redirect has been met: a name in the same parent, or a
/// path from the root, with its components, rewritten as further redirects are met (ovl_check_redirect).
/// </summary>
internal sealed class RedirectTarget
{
    private readonly byte[] _path = new byte[Posix.Posix.PathMax + 2];
    private readonly List<(int Start, int Length)> _components = [];
    private int _length;

    /// <summary>A path from the root ("/a/b"), walked from each layer's root; else a name in the parent.</summary>
    public bool Absolute { get; private set; }

    public int ComponentCount => _components.Count;

    public ReadOnlySpan<byte> Component(int index) => _path.AsSpan(_components[index].Start, _components[index].Length);

    /// <summary>The name in the parent (relative) or the last component (absolute).</summary>
    public ReadOnlySpan<byte> LastComponent => Component(_components.Count - 1);

    /// <summary>
    /// Applies a redirect found on the dir at component <paramref name="index"/>: a relative one replaces that
    /// component, an absolute one replaces everything up to it. The components after it stay. False when the
    /// result would be longer than PATH_MAX.
    /// </summary>
    public bool Apply(int index, ReadOnlySpan<byte> redirect)
    {
        Span<byte> rest = stackalloc byte[Posix.Posix.PathMax];
        int restLength = 0;
        for (int i = index + 1; i < _components.Count; i++)
        {
            if (restLength + 1 + _components[i].Length > rest.Length)
                return false;
            rest[restLength++] = (byte)'/';
            Component(i).CopyTo(rest[restLength..]);
            restLength += _components[i].Length;
        }
        Span<byte> head = stackalloc byte[Posix.Posix.PathMax];
        int headLength = 0;
        if (!Redirects.IsAbsolute(redirect))
        {
            // Everything before the component, then the redirect in its place.
            int start = _components[index].Start;
            _path.AsSpan(0, start).CopyTo(head);
            headLength = start;
        }
        else
        {
            Absolute = true;
        }
        if (headLength + redirect.Length + restLength > Posix.Posix.PathMax)
            return false;
        redirect.CopyTo(head[headLength..]);
        headLength += redirect.Length;
        head[..headLength].CopyTo(_path);
        rest[..restLength].CopyTo(_path.AsSpan(headLength));
        _length = headLength + restLength;
        Split();
        return true;
    }

    /// <summary>Starts from the name a lookup was asked for.</summary>
    public void Reset(ReadOnlySpan<byte> name)
    {
        Absolute = false;
        name.CopyTo(_path);
        _length = name.Length;
        Split();
    }

    private void Split()
    {
        _components.Clear();
        int i = Absolute ? 1 : 0;
        while (i <= _length)
        {
            int end = _path.AsSpan(i, _length - i).IndexOf((byte)'/');
            end = end < 0 ? _length : i + end;
            _components.Add((i, end - i));
            i = end + 1;
        }
    }
}
