using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Lookup;

/// <summary>
/// What one name in a union directory is right now: the visible object (if any) and the facts create,
/// delete and rename need about the layers below it. Owns the dir fds it opened until taken or disposed.
/// </summary>
internal struct Resolution : IDisposable
{
    private List<DirInstance>? _dirs;

    /// <summary>A visible object exists under this name.</summary>
    public bool Found;

    /// <summary>S_IFMT bits of the visible object.</summary>
    public uint Type;

    /// <summary>Layer of the top-most instance of the visible object.</summary>
    public int TopLayer;

    /// <summary>statx of the top-most instance.</summary>
    public StatX Stat;

    /// <summary>The upper dir holds a whiteout under this name (a new object must replace it atomically).</summary>
    public bool UpperWhiteout;

    /// <summary>A whiteout (any form, any layer) hides this name: a new dir here must be opaque.</summary>
    public bool WhiteoutSeen;

    /// <summary>The top-most lower layer with an entry for this name has a real object (not a whiteout):
    /// removing the name from the upper must leave a whiteout. By name, whatever redirect the object follows.</summary>
    public bool LowerPositive;

    /// <summary>Some lower layer has an entry (object or whiteout) under this name: <see cref="LowerPositive"/> is decided.</summary>
    public bool LowerKnown;

    /// <summary>A directory with an instance in a lower layer: its inode number is that instance's.</summary>
    public bool HasLowerDir;

    /// <summary>The layer of the top-most lower instance of a directory.</summary>
    public int LowerDirLayer;

    /// <summary>The inode number of the top-most lower instance of a directory, in its layer.</summary>
    public ulong LowerDirInode;

    /// <summary>The trusted.overlay.redirect of the upper instance of a directory, when it has one.</summary>
    public byte[]? UpperRedirect;

    public readonly bool IsDirectory => Found && Type == FileType.S_IFDIR;

    public readonly int DirCount => _dirs?.Count ?? 0;

    public readonly DirInstance DirAt(int index) => _dirs![index];

    public void AddDir(DirInstance dir) => (_dirs ??= new List<DirInstance>(2)).Add(dir);

    /// <summary>Copies the dir instances (still owned here) into a span, for a listing.</summary>
    public readonly Span<DirInstance> CopyDirsTo(Span<DirInstance> dest)
    {
        for (int i = 0; i < DirCount; i++)
            dest[i] = _dirs![i];
        return dest[..DirCount];
    }

    /// <summary>The dir instances, handed over to a node (which then closes them).</summary>
    public DirInstance[] TakeDirs()
    {
        DirInstance[] dirs = _dirs?.ToArray() ?? [];
        _dirs = null;
        return dirs;
    }

    public void Dispose()
    {
        if (_dirs is null)
            return;
        foreach (DirInstance d in _dirs)
            Sys.Close(d.Fd);
        _dirs = null;
    }
}
