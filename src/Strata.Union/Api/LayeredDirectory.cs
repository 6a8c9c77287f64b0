using System.Text;
using Strata.Posix;
using Strata.Union.Options;

namespace Strata.Union.Api;

/// <summary>
/// A union of layer directories used in-process, by path, with nothing mounted: the semantics of the mounted union
/// (and of kernel overlayfs) without FUSE or the kernel in between. Reading falls through the layers; changing a
/// lower file copies it up into the upper dir first (through the work dir); deleting a lower entry leaves a
/// whiteout; a dir made over a deleted one is opaque; renaming a lower or merged dir fails with EXDEV. Paths are
/// relative to the union's root ('/'-separated; a leading '/' means the same root), and symbolic links inside it
/// are followed as a mount would follow them, except that none can lead out: the union's root is the root of
/// every absolute link target. Thread-safe.
/// <para>
/// Errors are the exceptions .NET's file APIs throw, each with HResult set to the errno (see
/// <see cref="UnionErrors"/>). There are no permission checks of the union's own: the process acts with its own
/// rights on the layer dirs (a mount's kernel checks the mode bits of each caller), and what it creates is its
/// own, with <see cref="Umask"/> applied to the modes asked for (unless the parent dir has a default ACL, which
/// the new object inherits instead, as on a mount).
/// </para>
/// </summary>
public sealed class LayeredDirectory : IDisposable
{
    private const uint DefaultFileMode = 0x1B6; // 0666, as .NET creates files
    private const uint DefaultDirMode = 0x1FF;  // 0777

    private readonly UnionFileSystem _union;
    private readonly PathResolver _paths;

    private LayeredDirectory(UnionFileSystem union)
    {
        _union = union;
        _paths = new PathResolver(union);
        Umask = (UnixFileMode)Posix.Posix.CurrentUmask();
    }

    /// <summary>Who the union acts for: this process.</summary>
    internal static Caller ProcessCaller { get; } = new(Posix.Posix.EffectiveUid(), Posix.Posix.EffectiveGid(), Environment.ProcessId);

    // The process creating, with the umask the engine applies where the parent has no default ACL.
    private Caller Creator => ProcessCaller with { Umask = (uint)Umask & 0x1FF };

    /// <summary>
    /// Opens the union of <paramref name="lowerDirs"/> (top first, as lowerdir=L1:L0) with
    /// <paramref name="upperDir"/> and <paramref name="workDir"/> for changes, or read-only without them. The
    /// kernel's mount-time checks apply (<see cref="OverlayConfigException"/>), and <see cref="LayerStackException"/>
    /// when a layer cannot be opened or the work dir is marked by a volatile mount.
    /// </summary>
    public static LayeredDirectory Open(IReadOnlyList<string> lowerDirs, string? upperDir = null, string? workDir = null)
    {
        ArgumentNullException.ThrowIfNull(lowerDirs);
        return Open(new OverlayOptions
        {
            LowerDirs = lowerDirs.Select(d => Path.GetFullPath(d)).ToList(),
            UpperDir = upperDir is null ? null : Path.GetFullPath(upperDir),
            WorkDir = workDir is null ? null : Path.GetFullPath(workDir),
            ReadOnly = upperDir is null,
        });
    }

    /// <summary>Opens the union an option string describes (<see cref="OverlayOptionsParser"/>, volatile included).</summary>
    public static LayeredDirectory Open(OverlayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MountValidator.Validate(options);
        return new LayeredDirectory(new UnionFileSystem(LayerStack.Open(options.LowerDirs, options.UpperDir, options.WorkDir, options.Volatile), options.Features));
    }

    /// <summary>Taken off the mode of everything created (by default the process's umask when opened).</summary>
    public UnixFileMode Umask { get; set; }

    /// <summary>True without an upper dir: every change fails with EROFS.</summary>
    public bool IsReadOnly => _union.IsReadOnly;

    // ---- reading the tree ----

    /// <summary>stat(2), or lstat(2) with <paramref name="followSymlinks"/> false.</summary>
    public UnionFileInfo GetInfo(string path, bool followSymlinks = true)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        return UnionFileInfo.From(at.Attr);
    }

    /// <summary>Whether the path leads to something (following symbolic links); false on any error, as File.Exists.</summary>
    public bool Exists(string path)
    {
        if (_paths.Resolve(path, followFinal: true, out ResolvedPath at, out _) < 0)
        {
            at.Dispose();
            return false;
        }
        using (at)
            return at.Exists;
    }

    /// <summary>The merged listing of a dir ("." and ".." left out), in the union's order.</summary>
    public IReadOnlyList<UnionDirectoryEntry> ReadDirectory(string path)
    {
        using ResolvedPath at = Existing(path, followSymlinks: true);
        if (!FileType.IsDirectory(at.Type))
            throw UnionErrors.For(Errno.ENOTDIR, path);
        UnionErrors.Check(_union.OpenDir(ProcessCaller, at.Node, out ulong handle), path);
        try
        {
            UnionErrors.Check(_union.ReadDir(handle, 0, out MergedDirectory listing), path);
            var entries = new List<UnionDirectoryEntry>(listing.Count);
            for (int i = 0; i < listing.Count; i++)
            {
                ReadOnlySpan<byte> name = listing.NameAt(i);
                if (!DirectoryEnumerator.IsDotOrDotDot(name))
                    entries.Add(new UnionDirectoryEntry(Encoding.UTF8.GetString(name), UnionFileInfo.TypeOfDirent(listing.TypeAt(i)), listing.InodeAt(i)));
            }
            return entries;
        }
        finally
        {
            _union.ReleaseDir(handle);
        }
    }

    /// <summary>The target of a symbolic link, as written.</summary>
    public string ReadLink(string path)
    {
        using ResolvedPath at = Existing(path, followSymlinks: false);
        Span<byte> target = stackalloc byte[Posix.Posix.PathMax];
        int n = UnionErrors.Check(_union.ReadLink(at.Node, target), path);
        return Encoding.UTF8.GetString(target[..n]);
    }

    // ---- files ----

    /// <summary>
    /// Opens a file as open(2) does with the flags that <paramref name="mode"/>, <paramref name="access"/> and
    /// <paramref name="flags"/> stand for (FileMode.CreateNew is O_CREAT|O_EXCL, Create O_CREAT|O_TRUNC, Truncate
    /// O_TRUNC, Append O_CREAT|O_APPEND). Opening for writing copies a lower file up. A new file gets
    /// <paramref name="createMode"/> (0666 by default) less <see cref="Umask"/> (or fitted to the parent's default ACL). Fifos and other special files open
    /// non-blocking.
    /// </summary>
    public UnionFileStream OpenFile(string path, FileMode mode, FileAccess access = FileAccess.ReadWrite, UnixFileMode? createMode = null,
        UnionOpenFlags flags = UnionOpenFlags.None)
    {
        int posix = OpenFlagsFor(mode, access, flags);
        bool create = (posix & OpenFlags.O_CREAT) != 0, exclusive = (posix & OpenFlags.O_EXCL) != 0;
        bool follow = !exclusive && (flags & UnionOpenFlags.NoFollow) == 0;
        using ResolvedPath at = Resolve(path, follow);
        if (!at.Exists)
        {
            if (!create)
                throw UnionErrors.For(Errno.ENOENT, path);
            uint fileMode = CreationMode(at, createMode is { } m ? (uint)m : DefaultFileMode, FileType.PermissionBits);
            UnionErrors.Check(_union.Create(Creator, at.Parent, at.Name, posix, FileType.S_IFREG | fileMode, out ulong node, out _, out ulong handle), path);
            return new UnionFileStream(_union, path, node, handle, directory: false, access);
        }
        if (exclusive)
            throw UnionErrors.For(Errno.EEXIST, path);
        if (FileType.IsSymlink(at.Type))
            throw UnionErrors.For(Errno.ELOOP, path);
        if (FileType.IsDirectory(at.Type))
        {
            // open(2) takes a dir read-only, for nothing but fstat and the like.
            if (create || access != FileAccess.Read || (posix & OpenFlags.O_TRUNC) != 0)
                throw UnionErrors.For(Errno.EISDIR, path);
            return new UnionFileStream(_union, path, at.TakeNode(), 0, directory: true, access);
        }
        bool special = !FileType.IsRegular(at.Type);
        if (special)
            posix |= OpenFlags.O_NONBLOCK;
        UnionErrors.Check(_union.Open(ProcessCaller, at.Node, posix & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL), out ulong opened), path);
        return new UnionFileStream(_union, path, at.TakeNode(), opened, directory: false, access, special);
    }

    public byte[] ReadAllBytes(string path)
    {
        using UnionFileStream stream = OpenFile(path, FileMode.Open, FileAccess.Read);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path));

    /// <summary>Creates the file or replaces its contents (copying it up when it is a lower file).</summary>
    public void WriteAllBytes(string path, ReadOnlySpan<byte> data)
    {
        using UnionFileStream stream = OpenFile(path, FileMode.Create, FileAccess.Write);
        stream.Write(data);
    }

    public void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>truncate(2): cuts or extends (with a hole) the file, following a symbolic link.</summary>
    public void Truncate(string path, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Change(path, new AttrChange { Flags = AttrChangeFlags.Size, Size = length }, followSymlinks: true);
    }

    // ---- creating and removing names ----

    /// <summary>mkdir(2): one dir (its parent must exist), with <paramref name="mode"/> less <see cref="Umask"/>.</summary>
    public void CreateDirectory(string path, UnixFileMode mode = (UnixFileMode)DefaultDirMode)
    {
        using ResolvedPath at = Free(path);
        uint dirMode = (uint)mode & 0x3FF; // mkdir keeps the sticky bit, never the set-id bits
        UnionErrors.Check(_union.MkDir(Creator, at.Parent, at.Name, dirMode, out ulong node, out _), path);
        _union.Forget(node, 1);
    }

    /// <summary>mkfifo(3), with <paramref name="mode"/> less <see cref="Umask"/>.</summary>
    public void CreateFifo(string path, UnixFileMode mode = (UnixFileMode)DefaultFileMode)
    {
        using ResolvedPath at = Free(path);
        uint fifoMode = CreationMode(at, (uint)mode, FileType.PermissionBits);
        UnionErrors.Check(_union.MkNod(Creator, at.Parent, at.Name, FileType.S_IFIFO | fifoMode, 0, out ulong node, out _), path);
        _union.Forget(node, 1);
    }

    /// <summary>symlink(2): a link at <paramref name="path"/> whose target is <paramref name="target"/>, as given.</summary>
    public void CreateSymbolicLink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        using ResolvedPath at = Free(path);
        UnionErrors.Check(_union.Symlink(ProcessCaller, at.Parent, at.Name, Encoding.UTF8.GetBytes(target), out ulong node, out _), path);
        _union.Forget(node, 1);
    }

    /// <summary>link(2): a second name for <paramref name="existingPath"/> (a symbolic link itself, not followed); copies a lower file up.</summary>
    public void CreateHardLink(string existingPath, string newPath)
    {
        using ResolvedPath source = Existing(existingPath, followSymlinks: false);
        using ResolvedPath at = Free(newPath);
        UnionErrors.Check(_union.Link(ProcessCaller, source.Node, at.Parent, at.Name, out ulong node, out _), newPath);
        _union.Forget(node, 1);
    }

    /// <summary>unlink(2): a lower entry gets a whiteout, an upper one goes. Not for dirs (EISDIR).</summary>
    public void DeleteFile(string path)
    {
        using ResolvedPath at = Resolve(path, followFinal: false);
        if (at.IsRoot)
            throw UnionErrors.For(Errno.EISDIR, path);
        UnionErrors.Check(_union.Unlink(ProcessCaller, at.Parent, at.Name), path);
    }

    /// <summary>rmdir(2): the dir must look empty in the union (ENOTEMPTY); a merged dir leaves a whiteout.</summary>
    public void DeleteDirectory(string path)
    {
        using ResolvedPath at = Resolve(path, followFinal: false);
        if (at.IsRoot)
            throw UnionErrors.For(Errno.EBUSY, path);
        if (at.Name is [(byte)'.'] or [])
            throw UnionErrors.For(Errno.EINVAL, path);
        UnionErrors.Check(_union.RmDir(ProcessCaller, at.Parent, at.Name), path);
    }

    /// <summary>
    /// rename(2): non-dirs (copied up) and upper-only dirs move; a lower or merged dir gives EXDEV (copy it
    /// instead, as mv does). <paramref name="mode"/> adds RENAME_NOREPLACE or RENAME_EXCHANGE.
    /// </summary>
    public void Move(string sourcePath, string destinationPath, UnionRenameMode mode = UnionRenameMode.Replace)
    {
        using ResolvedPath from = Resolve(sourcePath, followFinal: false);
        using ResolvedPath to = Resolve(destinationPath, followFinal: false);
        if (from.IsRoot || to.IsRoot)
            throw UnionErrors.For(Errno.EBUSY, from.IsRoot ? sourcePath : destinationPath);
        if (!from.Exists)
            throw UnionErrors.For(Errno.ENOENT, sourcePath);
        uint flags = mode switch
        {
            UnionRenameMode.NoReplace => OpenFlags.RENAME_NOREPLACE,
            UnionRenameMode.Exchange => OpenFlags.RENAME_EXCHANGE,
            _ => 0,
        };
        if (mode == UnionRenameMode.NoReplace && to.Exists)
            throw UnionErrors.For(Errno.EEXIST, destinationPath);
        if (mode == UnionRenameMode.Exchange && !to.Exists)
            throw UnionErrors.For(Errno.ENOENT, destinationPath);
        // The VFS's checks of the two paths: a dir cannot move into itself, nor replace one of its own parents.
        if (to.Ancestors.Contains(from.Node))
            throw UnionErrors.For(Errno.EINVAL, sourcePath);
        if (to.Exists && from.Ancestors.Contains(to.Node))
            throw UnionErrors.For(mode == UnionRenameMode.Exchange ? Errno.EINVAL : Errno.ENOTEMPTY, destinationPath);
        UnionErrors.Check(_union.Rename(ProcessCaller, from.Parent, from.Name, to.Parent, to.Name, flags), sourcePath);
    }

    // ---- attributes ----

    /// <summary>chmod(2) (a symbolic link has no mode of its own: with <paramref name="followSymlinks"/> false, EOPNOTSUPP).</summary>
    public void SetMode(string path, UnixFileMode mode, bool followSymlinks = true) =>
        Change(path, new AttrChange { Flags = AttrChangeFlags.Mode, Mode = (uint)mode & FileType.PermissionBits }, followSymlinks);

    /// <summary>lchown(2), or chown(2) with <paramref name="followSymlinks"/>; null keeps an id (both null still copies up).</summary>
    public void SetOwner(string path, uint? uid, uint? gid, bool followSymlinks = false)
    {
        var change = new AttrChange { Uid = uid ?? 0, Gid = gid ?? 0 };
        if (uid is not null) change.Flags |= AttrChangeFlags.Uid;
        if (gid is not null) change.Flags |= AttrChangeFlags.Gid;
        Change(path, change, followSymlinks);
    }

    /// <summary>utimensat(2): null leaves a time as it is (UTIME_OMIT).</summary>
    public void SetTimes(string path, DateTimeOffset? lastAccessTime, DateTimeOffset? lastWriteTime, bool followSymlinks = false)
    {
        var change = new AttrChange();
        if (lastAccessTime is { } a)
        {
            change.Flags |= AttrChangeFlags.AccessTime;
            change.AccessTime = Time(a);
        }
        if (lastWriteTime is { } w)
        {
            change.Flags |= AttrChangeFlags.ModifyTime;
            change.ModifyTime = Time(w);
        }
        Change(path, change, followSymlinks);
    }

    /// <summary>touch: both times to now.</summary>
    public void SetTimesToNow(string path, bool followSymlinks = false) =>
        Change(path, new AttrChange
        {
            Flags = AttrChangeFlags.AccessTime | AttrChangeFlags.ModifyTime,
            AccessTime = TimeSpec.Now,
            ModifyTime = TimeSpec.Now,
        }, followSymlinks);

    // ---- xattrs (the overlay's own trusted.overlay.* are never shown nor set) ----

    /// <summary>getxattr(2); ENODATA when the file has no such xattr.</summary>
    public byte[] GetXattr(string path, string name, bool followSymlinks = true)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        byte[] key = XattrName(name);
        UnionErrors.Check(XattrRules.Check(name, at.Attr, write: false, ProcessCaller), path);
        while (true)
        {
            int size = UnionErrors.Check(_union.GetXattr(at.Node, key, Span<byte>.Empty), path);
            var value = new byte[size];
            int n = _union.GetXattr(at.Node, key, value);
            if (n != -Errno.ERANGE)
                return value[..UnionErrors.Check(n, path)];
        }
    }

    /// <summary>listxattr(2): the names (trusted.* only for root, as the kernel lists them).</summary>
    public IReadOnlyList<string> ListXattrs(string path, bool followSymlinks = true)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        while (true)
        {
            int size = UnionErrors.Check(_union.ListXattr(ProcessCaller, at.Node, Span<byte>.Empty), path);
            var list = new byte[size];
            int n = _union.ListXattr(ProcessCaller, at.Node, list);
            if (n != -Errno.ERANGE)
                return Encoding.UTF8.GetString(list, 0, UnionErrors.Check(n, path)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>setxattr(2) (copies a lower object up).</summary>
    public void SetXattr(string path, string name, ReadOnlySpan<byte> value, XattrMode mode = XattrMode.Set, bool followSymlinks = true)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        byte[] key = XattrName(name);
        UnionErrors.Check(XattrRules.Check(name, at.Attr, write: true, ProcessCaller), path);
        int flags = mode switch { XattrMode.Create => Libc.XATTR_CREATE, XattrMode.Replace => Libc.XATTR_REPLACE, _ => 0 };
        UnionErrors.Check(_union.SetXattr(ProcessCaller, at.Node, key, value, flags), path);
    }

    /// <summary>removexattr(2) (copies a lower object up); ENODATA when there is no such xattr.</summary>
    public void RemoveXattr(string path, string name, bool followSymlinks = true)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        byte[] key = XattrName(name);
        UnionErrors.Check(XattrRules.Check(name, at.Attr, write: true, ProcessCaller), path);
        UnionErrors.Check(_union.RemoveXattr(ProcessCaller, at.Node, key), path);
    }

    public void Dispose() => _union.Dispose();

    // ---- helpers ----

    private ResolvedPath Resolve(string path, bool followFinal)
    {
        int rc = _paths.Resolve(path, followFinal, out ResolvedPath at, out bool inParentDir);
        if (rc >= 0)
            return at;
        at.Dispose();
        throw UnionErrors.For(rc, path, inParentDir);
    }

    private ResolvedPath Existing(string path, bool followSymlinks)
    {
        ResolvedPath at = Resolve(path, followSymlinks);
        if (at.Exists)
            return at;
        at.Dispose();
        throw UnionErrors.For(Errno.ENOENT, path);
    }

    /// <summary>A path whose last component is to be made: EEXIST when something (a symbolic link too) is there.</summary>
    private ResolvedPath Free(string path)
    {
        ResolvedPath at = Resolve(path, followFinal: false);
        if (!at.Exists)
            return at;
        at.Dispose();
        throw UnionErrors.For(Errno.EEXIST, path);
    }

    private void Change(string path, in AttrChange change, bool followSymlinks)
    {
        using ResolvedPath at = Existing(path, followSymlinks);
        UnionErrors.Check(_union.SetAttr(ProcessCaller, at.Node, change, out _), path);
    }

    /// <summary>
    /// The mode a new non-dir gets, as the VFS computes it before the filesystem sees it: without a setgid bit (with
    /// group-exec) that a caller outside the setgid parent's group may not give (mode_strip_sgid). The umask is the
    /// engine's to apply (see <see cref="Creator"/>).
    /// </summary>
    private uint CreationMode(ResolvedPath at, uint mode, uint allowed)
    {
        mode &= allowed;
        if ((mode & (FileType.S_ISGID | FileType.S_IXGRP)) != (FileType.S_ISGID | FileType.S_IXGRP))
            return mode;
        if (_union.GetAttr(at.Parent, out StatX parent) == 0 && (parent.Mode & FileType.S_ISGID) != 0
            && ProcessCaller.InGroupOrCapable(parent.Gid) == false)
            mode &= ~FileType.S_ISGID;
        return mode;
    }

    private static int OpenFlagsFor(FileMode mode, FileAccess access, UnionOpenFlags flags)
    {
        bool writes = (access & FileAccess.Write) != 0;
        if (!writes && mode is FileMode.Truncate or FileMode.CreateNew or FileMode.Create or FileMode.Append)
            throw new ArgumentException($"FileMode.{mode} needs FileAccess.Write", nameof(access));
        if (mode == FileMode.Append && (access & FileAccess.Read) != 0)
            throw new ArgumentException("FileMode.Append cannot read; open with FileAccess.Write", nameof(access));
        int posix = access switch
        {
            FileAccess.Read => OpenFlags.O_RDONLY,
            FileAccess.Write => OpenFlags.O_WRONLY,
            FileAccess.ReadWrite => OpenFlags.O_RDWR,
            _ => throw new ArgumentOutOfRangeException(nameof(access)),
        };
        posix |= mode switch
        {
            FileMode.CreateNew => OpenFlags.O_CREAT | OpenFlags.O_EXCL,
            FileMode.Create => OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
            FileMode.OpenOrCreate => OpenFlags.O_CREAT,
            FileMode.Open => 0,
            FileMode.Truncate => OpenFlags.O_TRUNC,
            FileMode.Append => OpenFlags.O_CREAT | OpenFlags.O_APPEND,
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        if ((flags & UnionOpenFlags.Append) != 0)
            posix |= OpenFlags.O_APPEND;
        return posix;
    }

    private static byte[] XattrName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Encoding.UTF8.GetBytes(name);
    }

    private static TimeSpec Time(DateTimeOffset t)
    {
        long ticks = (t - DateTimeOffset.UnixEpoch).Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }
        return new TimeSpec(seconds, rest * 100);
    }
}
