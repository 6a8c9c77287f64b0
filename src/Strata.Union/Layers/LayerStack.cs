using Strata.Posix;
using Sys = Strata.Posix.Posix;

namespace Strata.Union;

/// <summary>
/// The open layer directories of one union: the upper (if any) at index 0, then the lowers top first.
/// Everything the engine does is relative to these fds, so nothing is resolved from "/" after opening.
/// </summary>
public sealed class LayerStack : IDisposable
{
    private const int DirOpenFlags = OpenFlags.O_DIRECTORY | OpenFlags.O_RDONLY;

    private readonly int[] _rootFds;
    private readonly string[] _paths;
    private int _workFd = -1;
    private bool _disposed;

    private LayerStack(int layerCount, string? upperDir, string? workDir, bool isVolatile)
    {
        IsVolatile = isVolatile;
        _rootFds = new int[layerCount];
        Array.Fill(_rootFds, -1);
        _paths = new string[layerCount];
        UpperDir = upperDir;
        WorkDir = workDir;
    }

    /// <summary>
    /// Opens the layers: lowerDirs top first (as lowerdir=L1:L0); with upperDir, prepares workDir/work (refused when
    /// an earlier volatile mount left its marker there). <paramref name="isVolatile"/>: nothing is synced to the
    /// upper dir, and the work dir is marked so that no later mount takes it until the marker is removed.
    /// </summary>
    public static LayerStack Open(IReadOnlyList<string> lowerDirs, string? upperDir, string? workDir, bool isVolatile = false)
    {
        ArgumentNullException.ThrowIfNull(lowerDirs);
        if (upperDir is not null && workDir is null)
            throw new LayerStackException(Errno.EINVAL, upperDir, "an upper dir needs a work dir");
        if (upperDir is null && lowerDirs.Count == 0)
            throw new LayerStackException(Errno.EINVAL, "lowerdir", "no layers given");
        int upper = upperDir is null ? 0 : 1;
        var stack = new LayerStack(lowerDirs.Count + upper, upperDir, workDir, isVolatile && upperDir is not null);
        try
        {
            if (upperDir is not null)
                stack.OpenLayer(0, upperDir);
            for (int i = 0; i < lowerDirs.Count; i++)
                stack.OpenLayer(i + upper, lowerDirs[i]);
            if (workDir is not null)
                stack.PrepareWorkDir(workDir);
            return stack;
        }
        catch
        {
            stack.Dispose();
            throw;
        }
    }

    /// <summary>Mounted "volatile": nothing is synced to the upper dir (see <see cref="SyncUpper"/>).</summary>
    public bool IsVolatile { get; }

    /// <summary>fsync (or fdatasync) of a file or dir of the upper layer; nothing on a volatile mount, as the kernel's.</summary>
    internal int SyncUpper(int fd, bool dataOnly = false) => IsVolatile ? 0 : Sys.FSync(fd, dataOnly);

    /// <summary>True when there is no upper dir: every change gives EROFS.</summary>
    public bool IsReadOnly => UpperDir is null;

    /// <summary>The number of layers, the upper included.</summary>
    public int LayerCount => _rootFds.Length;

    public string? UpperDir { get; }

    public string? WorkDir { get; }

    /// <summary>The path a layer was opened from, for messages.</summary>
    public string PathOf(int layer) => _paths[layer];

    /// <summary>Whether layer index <paramref name="layer"/> is the upper (always index 0 when present).</summary>
    public bool IsUpper(int layer) => layer == 0 && UpperDir is not null;

    internal int RootFd(int layer) => _rootFds[layer];

    /// <summary>workdir/work: where copies and new objects are built before they are renamed into place.</summary>
    internal int WorkFd => _workFd;

    private void OpenLayer(int index, string path)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, DirOpenFlags);
        if (fd < 0)
            throw new LayerStackException(fd, path, "cannot open layer directory");
        _rootFds[index] = fd;
        _paths[index] = path;
    }

    // The kernel uses workdir/work the same way: created when missing, emptied at mount.
    private void PrepareWorkDir(string workDir)
    {
        int parent = Sys.OpenAt(OpenFlags.AT_FDCWD, workDir, DirOpenFlags);
        if (parent < 0)
            throw new LayerStackException(parent, workDir, "cannot open work directory");
        try
        {
            // Mode 0 as the kernel's, where the server can still open it (root); a rootless server keeps it its own.
            int rc = Sys.MkdirAt(parent, "work"u8, Sys.EffectiveUid() == 0 ? 0u : 0x1C0 /* 0700 */);
            if (rc < 0 && rc != -Errno.EEXIST)
                throw new LayerStackException(rc, workDir + "/work", "cannot create work directory");
            _workFd = Sys.OpenAt(parent, "work"u8, DirOpenFlags | OpenFlags.O_NOFOLLOW);
            if (_workFd < 0)
                throw new LayerStackException(_workFd, workDir + "/work", "cannot open work directory");
            RefuseIncompatible(workDir);
            rc = Operations.TreeRemover.RemoveContents(_workFd);
            if (rc < 0)
                throw new LayerStackException(rc, workDir + "/work", "cannot clean leftovers in work directory");
            rc = IsVolatile ? Format.IncompatFeatures.MarkVolatile(_workFd) : 0;
            if (rc < 0)
                throw new LayerStackException(rc, workDir + "/work/incompat/volatile", "cannot mark the work directory as used by a volatile mount");
        }
        finally
        {
            Sys.Close(parent);
        }
    }

    // Before anything in the work dir is cleaned: the marker is what tells the next mount not to trust the layers.
    private void RefuseIncompatible(string workDir)
    {
        int rc = Format.IncompatFeatures.Find(_workFd, out string? feature);
        if (rc < 0)
            throw new LayerStackException(rc, workDir + "/work/incompat", "cannot read the work directory's incompat features");
        if (feature == "volatile")
            throw new LayerStackException(Errno.EINVAL, workDir, "a volatile mount used this work dir (work/incompat/volatile), so writes to the upper dir may be lost: " +
                "throw away upperdir and workdir, or remove work/incompat/volatile if the system has not crashed since (the kernel refuses it too)");
        if (feature is not null)
            throw new LayerStackException(Errno.EINVAL, workDir, $"overlay with incompat feature '{feature}' (work/incompat/{feature}) cannot be mounted");
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (int fd in _rootFds)
        {
            if (fd >= 0)
                Sys.Close(fd);
        }
        if (_workFd >= 0)
            Sys.Close(_workFd);
    }
}
