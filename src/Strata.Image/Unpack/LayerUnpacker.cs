using System.Formats.Tar;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Strata.Image.Store;
using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Image.Unpack;

/// <summary>What unpacking a layer produced.</summary>
public sealed record UnpackResult(long Size, int Entries);

/// <summary>
/// Unpacks a layer tar into an empty layer dir in the overlay format: <c>.wh.NAME</c> becomes a whiteout
/// (char device 0/0), <c>.wh..wh..opq</c> marks its dir opaque, and files, dirs, symlinks, hard links,
/// devices and FIFOs keep owner, mode, times and PAX xattrs. Every path is walked component by component
/// from the layer dir's fd with O_NOFOLLOW, so nothing (no symlinked parent, no '..', no hard link) can
/// reach outside the layer; a hostile entry stops the unpack with <see cref="HostileLayerException"/>.
/// </summary>
public sealed class LayerUnpacker : IDisposable
{
    private const int DirFlags = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW;

    private readonly int _rootFd;
    private readonly UnpackOptions _options;
    private readonly List<(byte[][] Path, TimeSpec Atime, TimeSpec Mtime)> _dirTimes = [];
    private long _size;
    private int _entries;
    private TarStreamGuard? _tar;

    private LayerUnpacker(int rootFd, UnpackOptions options)
    {
        _rootFd = rootFd;
        _options = options;
    }

    /// <summary>
    /// Unpacks the tar read from <paramref name="tar"/> into <paramref name="layerDir"/> (which must exist), and
    /// reads the stream to its end (so that a hash around it covers the whole tar).
    /// </summary>
    public static UnpackResult Unpack(Stream tar, string layerDir, UnpackOptions? options = null)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, layerDir, DirFlags);
        if (fd < 0)
            throw new ImageException($"cannot open layer dir {layerDir}: {Errno.Describe(fd)}");
        using var unpacker = new LayerUnpacker(fd, options ?? UnpackOptions.Default);
        return unpacker.Run(tar);
    }

    public void Dispose() => Sys.Close(_rootFd);

    private UnpackResult Run(Stream tar)
    {
        (long maxBytes, long maxEntries) = UnpackBudget.Of(_rootFd, _options);
        var guard = new TarStreamGuard(tar, maxBytes, maxEntries, _options.MaxHeaderBytes, _options.MaxTrailerBytes);
        _tar = guard;
        using var reader = new TarReader(guard, leaveOpen: true);
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                    continue;
                Apply(entry);
                _entries++;
            }
            guard.Drain();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or InvalidOperationException or OverflowException)
        {
            if (e is InvalidDataException && guard.XattrWithNewline is { } attr)
                throw new ImageException($"layer tar: the value of xattr '{attr}' holds a newline byte, which System.Formats.Tar cannot read (it ends PAX records at the first newline); such a layer cannot be unpacked yet", e);
            // System.Formats.Tar reports impossible header values in these forms too.
            throw new ImageException($"layer tar is corrupt: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            // GNU sparse files, multi-volume and tape entries, which System.Formats.Tar cannot read.
            throw new ImageException($"layer tar has an entry this unpacker cannot read: {e.Message}", e);
        }
        catch (ZstdSharp.ZstdException e)
        {
            throw new ImageException($"the layer's zstd stream is corrupt: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new ImageException("layer tar ends in the middle of an entry", e);
        }
        // Dir times last: creating the entries inside would have changed them. A dir that a later entry
        // replaced (or whose parent it replaced) is gone, and its time with it.
        foreach ((byte[][] path, TimeSpec atime, TimeSpec mtime) in _dirTimes)
        {
            int parent;
            try
            {
                parent = OpenParent(path, create: false, "");
            }
            catch (ImageException)
            {
                continue;
            }
            Sys.UtimensAt(parent, path[^1], atime, mtime);
            Close(parent);
        }
        return new UnpackResult(_size, _entries);
    }

    private void Apply(TarEntry entry)
    {
        byte[][] path = LayerPath.Split(entry.Name, entry.Name);
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            LayerPath.CheckLinkTarget(entry.LinkName, entry.Name);
        if (path.Length == 0)
            return; // The layer root itself: the overlay2 dir keeps its own metadata.
        ReadOnlySpan<byte> name = path[^1];
        int parent = OpenParent(path, create: true, entry.Name);
        try
        {
            if (OverlayFormat.IsOciMarkerName(name))
                ApplyWhiteout(parent, name, entry.Name);
            else
                Create(parent, path, entry);
        }
        finally
        {
            if (parent != _rootFd)
                Sys.Close(parent);
        }
    }

    private void ApplyWhiteout(int parent, ReadOnlySpan<byte> name, string entryName)
    {
        if (name.SequenceEqual(OverlayFormat.OciOpaqueMarker))
        {
            // An xattr on the dir, not an entry in it: its place among the siblings in the tar does not matter.
            Check(OverlayFormat.MarkOpaque(parent), entryName, "mark the dir opaque");
            return;
        }
        ReadOnlySpan<byte> hidden = name[OverlayFormat.OciWhiteoutPrefix.Length..];
        if (hidden.IsEmpty || hidden.SequenceEqual("."u8) || hidden.SequenceEqual(".."u8))
            throw new HostileLayerException($"layer entry '{entryName}': whiteout of an invalid name");
        RemoveExisting(parent, hidden, entryName);
        Check(OverlayFormat.MakeWhiteout(parent, hidden), entryName, "create the whiteout");
    }

    private void Create(int parent, byte[][] path, TarEntry entry)
    {
        ReadOnlySpan<byte> name = path[^1];
        string what = entry.Name;
        bool isDir = entry.EntryType == TarEntryType.Directory;
        if (Sys.Stat(parent, name, out StatX existing) == 0 && !(isDir && existing.IsDirectory))
            RemoveExisting(parent, name, what);
        uint perm = (uint)entry.Mode & FileType.PermissionBits;
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                WriteFile(parent, name, entry, perm);
                return;
            case TarEntryType.Directory:
                if (!existing.IsDirectory)
                    Check(Sys.MkdirAt(parent, name, 0x1C0 /* 0700 */), what, "create the dir");
                SetMetadata(parent, name, entry, perm, symlink: false);
                _dirTimes.Add((path, TimeOf(entry, access: true), TimeOf(entry, access: false)));
                return;
            case TarEntryType.SymbolicLink:
                Check(Sys.SymlinkAt(Encoding.UTF8.GetBytes(entry.LinkName), parent, name), what, "create the symlink");
                SetMetadata(parent, name, entry, perm, symlink: true);
                return;
            case TarEntryType.HardLink:
                CreateHardLink(parent, name, entry);
                return;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                // A 0/0 char device is the overlay format's whiteout, not a device.
                if (!_options.AllowDeviceNodes && !(entry.EntryType == TarEntryType.CharacterDevice && DeviceOf(entry) == 0))
                    throw new HostileLayerException($"layer entry '{what}': device nodes are not allowed in this pull");
                uint type = entry.EntryType == TarEntryType.CharacterDevice ? FileType.S_IFCHR : FileType.S_IFBLK;
                Check(Sys.MknodAt(parent, name, type | perm, DeviceOf(entry)), what, "create the device node");
                SetMetadata(parent, name, entry, perm, symlink: false);
                return;
            case TarEntryType.Fifo:
                Check(Sys.MknodAt(parent, name, FileType.S_IFIFO | perm, 0), what, "create the FIFO");
                SetMetadata(parent, name, entry, perm, symlink: false);
                return;
            default:
                throw new ImageException($"layer entry '{what}': unsupported tar entry type {entry.EntryType}");
        }
    }

    private void WriteFile(int parent, ReadOnlySpan<byte> name, TarEntry entry, uint perm)
    {
        // A size bomb (a small compressed blob that claims a huge file) was stopped by the guard at its header.
        int fd = Sys.OpenAt(parent, name, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOFOLLOW, 0x180 /* 0600 */);
        Check(fd, entry.Name, "create the file");
        using (var file = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1 << 16))
        {
            if (entry.DataStream is { } data)
                data.CopyTo(file);
            file.Flush();
            _size += entry.Length;
        }
        SetMetadata(parent, name, entry, perm, symlink: false);
    }

    private void CreateHardLink(int parent, ReadOnlySpan<byte> name, TarEntry entry)
    {
        byte[][] target = LayerPath.Split(entry.LinkName, entry.Name);
        if (target.Length == 0)
            throw new HostileLayerException($"layer entry '{entry.Name}': hard link to the layer root refused");
        int targetParent;
        try
        {
            targetParent = OpenParent(target, create: false, entry.Name);
        }
        catch (ImageException e) when (e is not HostileLayerException)
        {
            throw new HostileLayerException($"layer entry '{entry.Name}': hard link target '{entry.LinkName}' is not in the layer", e);
        }
        try
        {
            int r = Sys.Stat(targetParent, target[^1], out StatX st);
            if (r < 0)
                throw new HostileLayerException($"layer entry '{entry.Name}': hard link target '{entry.LinkName}' is not in the layer");
            if (st.IsDirectory)
                throw new HostileLayerException($"layer entry '{entry.Name}': hard link to the dir '{entry.LinkName}' refused");
            Check(Sys.LinkAt(targetParent, target[^1], parent, name), entry.Name, "create the hard link");
        }
        finally
        {
            if (targetParent != _rootFd)
                Sys.Close(targetParent);
        }
    }

    /// <summary>Owner first (chown clears set-id bits), then mode, xattrs and times; symlinks have no mode or user xattrs.</summary>
    private void SetMetadata(int parent, ReadOnlySpan<byte> name, TarEntry entry, uint perm, bool symlink)
    {
        string what = entry.Name;
        Check(Sys.ChownAt(parent, name, (uint)entry.Uid, (uint)entry.Gid), what, "set the owner");
        if (!symlink)
        {
            Check(Sys.ChmodAt(parent, name, perm), what, "set the mode");
            SetXattrs(parent, name, entry);
        }
        if (entry.EntryType != TarEntryType.Directory)
            Check(Sys.UtimensAt(parent, name, TimeOf(entry, access: true), TimeOf(entry, access: false)), what, "set the times");
    }

    /// <summary>The entry's PAX xattrs, with their values byte for byte as the tar has them (the guard's, not TarReader's strings).</summary>
    private void SetXattrs(int parent, ReadOnlySpan<byte> name, TarEntry entry)
    {
        if (entry is not PaxTarEntry || _tar?.EntryXattrs is not { } xattrs)
            return;
        foreach ((string attr, byte[] value) in xattrs)
        {
            byte[] key = Encoding.UTF8.GetBytes(attr);
            if (OverlayFormat.IsPrivateXattr(key))
                throw new HostileLayerException($"layer entry '{entry.Name}': sets the overlay's private xattr '{attr}'");
            int fd = Sys.OpenAt(parent, name, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
            Check(fd, entry.Name, "open for xattrs");
            try
            {
                Check(Sys.SetXattr(fd, key, value), entry.Name, $"set xattr {attr}");
            }
            finally
            {
                Sys.Close(fd);
            }
        }
    }

    private static TimeSpec TimeOf(TarEntry entry, bool access)
    {
        DateTimeOffset time = entry.ModificationTime;
        if (access && entry is PaxTarEntry pax && pax.ExtendedAttributes.TryGetValue("atime", out string? atime)
            && decimal.TryParse(atime, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out decimal seconds))
            return new TimeSpec((long)decimal.Floor(seconds), (long)((seconds - decimal.Floor(seconds)) * 1_000_000_000m));
        if (access && entry is GnuTarEntry { } gnu && gnu.AccessTime != default)
            time = gnu.AccessTime;
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long whole = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rest);
        if (rest < 0)
        {
            whole--;
            rest += TimeSpan.TicksPerSecond;
        }
        return new TimeSpec(whole, rest * 100);
    }

    private static ulong DeviceOf(TarEntry entry) =>
        entry is PosixTarEntry posix ? FileType.MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor) : 0;

    /// <summary>Removes what the entry replaces (a dir with everything in it).</summary>
    private static void RemoveExisting(int parent, ReadOnlySpan<byte> name, string what)
    {
        int r = TreeDeleter.RemoveEntry(parent, name);
        if (r < 0 && r != -Errno.ENOENT)
            Check(r, what, "replace the existing entry");
    }

    /// <summary>
    /// Opens the parent dir of path[^1] by walking from the layer root with O_NOFOLLOW, creating missing dirs
    /// (tars may omit them) when asked. A symlink on the way is refused: following it could lead anywhere.
    /// </summary>
    private int OpenParent(byte[][] path, bool create, string entryName)
    {
        int fd = _rootFd;
        for (int i = 0; i < path.Length - 1; i++)
        {
            int next = Sys.OpenAt(fd, path[i], DirFlags);
            if (next == -Errno.ENOENT && create)
            {
                int made = Sys.MkdirAt(fd, path[i], 0x1ED /* 0755 */);
                if (made < 0 && made != -Errno.EEXIST)
                    Close(fd);
                Check(made == -Errno.EEXIST ? 0 : made, entryName, "create a parent dir");
                next = Sys.OpenAt(fd, path[i], DirFlags);
            }
            if (next < 0)
            {
                bool symlink = Sys.Stat(fd, path[i], out StatX st) == 0 && st.IsSymlink;
                Close(fd);
                string parentPath = string.Join('/', path.Take(i + 1).Select(p => Encoding.UTF8.GetString(p)));
                if (symlink)
                    throw new HostileLayerException($"layer entry '{entryName}': path goes through the symlink '{parentPath}'");
                throw new ImageException($"layer entry '{entryName}': parent '{parentPath}': {Errno.Describe(next)}");
            }
            Close(fd);
            fd = next;
        }
        return fd;
    }

    private void Close(int fd)
    {
        if (fd != _rootFd)
            Sys.Close(fd);
    }

    private static void Check(int result, string entryName, string action)
    {
        if (result < 0)
            throw new ImageException($"layer entry '{entryName}': cannot {action}: {Errno.Describe(result)}");
    }
}
