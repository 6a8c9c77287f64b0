using System.Numerics;
using Strata.Posix;
using Strata.Union.Options;
using Sys = Strata.Posix.Posix;

namespace Strata.Union;

/// <summary>
/// Which filesystem each layer is on, numbered as the kernel numbers them (fsid 0 is the upper's, even in a
/// mount without one; the lowers' other filesystems follow in layer order), with what the overlay needs to know
/// of each: its uuid and whether its file handles can be followed (for trusted.overlay.origin), and how many
/// high bits of an inode number carry the fsid when the layers span filesystems (the kernel's xino).
/// </summary>
internal sealed class LayerFilesystems
{
    // FILEID_INO32_GEN: a 32-bit inode number and a generation, the handle of ext4 and the like.
    private const int HandleTypeIno32 = 1;
    private const int Ino32HandleBytes = 8;

    private static readonly byte[] NullUuid = new byte[16];

    private readonly int[] _fsidOfLayer;
    private readonly List<Filesystem> _filesystems = [];

    public LayerFilesystems(LayerStack layers, OverlayFeatures features)
    {
        bool hasUpper = !layers.IsReadOnly;
        _fsidOfLayer = new int[layers.LayerCount];
        // fsid 0 belongs to the upper's filesystem, and stays reserved (matching nothing) without an upper.
        _filesystems.Add(hasUpper ? Probe(layers.RootFd(0)) : new Filesystem { Reserved = true });
        // The kernel refuses null and repeated lower uuids for following origins unless a feature that needs
        // origins (redirect_dir=on, xino=on) was asked for: only then may a lower filesystem lack a unique uuid.
        bool allowOfflineChanges = features.AllowsOfflineChanges;
        for (int layer = hasUpper ? 1 : 0; layer < layers.LayerCount; layer++)
            _fsidOfLayer[layer] = FsidOf(layers.RootFd(layer), hasUpper, allowOfflineChanges);
        int count = _filesystems.Count - (hasUpper ? 0 : 1);
        if (count > 1)
        {
            // xino: the bits that number the filesystems, plus one for inode numbers too large to carry them. The
            // kernel keeps 32 bits when every layer has 32-bit inodes; FUSE has one st_dev, so Strata maps the
            // numbers like this whatever xino= says (see README: the kernel's xino=off gives each filesystem an st_dev).
            bool all32 = _filesystems.TrueForAll(f => f.Reserved || f.Ino32);
            XinoBits = all32 ? 32 : BitOperations.Log2((uint)(_filesystems.Count - 1)) + 2;
        }
        // uuid=off needs one filesystem; the kernel falls back to recording uuids otherwise.
        NullUuidInOrigins = features.Uuid == UuidMode.Off && count <= 1;
    }

    /// <summary>0 when all layers share one filesystem (inode numbers are used as they are), else the xino bits.</summary>
    public int XinoBits { get; }

    /// <summary>uuid=off: origins record a null uuid, and only such origins are followed.</summary>
    public bool NullUuidInOrigins { get; }

    public int FsidOf(int layer) => _fsidOfLayer[layer];

    /// <summary>The uuid an origin of an object in this layer records.</summary>
    public ReadOnlySpan<byte> UuidOf(int layer) => NullUuidInOrigins ? NullUuid : _filesystems[_fsidOfLayer[layer]].Uuid;

    /// <summary>Whether objects of this layer can be recorded as an origin handle (else an empty origin is written).</summary>
    public bool CanEncode(int layer) => _filesystems[_fsidOfLayer[layer]].CanDecode;

    /// <summary>Whether an origin handle may be looked for in this layer (the kernel skips layers whose uuid is not usable).</summary>
    public bool CanFollowOrigins(int layer)
    {
        Filesystem fs = _filesystems[_fsidOfLayer[layer]];
        return fs.CanDecode && (_fsidOfLayer[layer] == 0 || !fs.BadUuid);
    }

    private int FsidOf(int rootFd, bool hasUpper, bool allowOfflineChanges)
    {
        if (Sys.FStat(rootFd, out StatX st) < 0)
            return 0;
        for (int i = 0; i < _filesystems.Count; i++)
        {
            if (!_filesystems[i].Reserved && _filesystems[i].Device == st.Device)
            {
                _filesystems[i].IsLower = true;
                return i;
            }
        }
        Filesystem fs = Probe(rootFd);
        fs.IsLower = true;
        if (hasUpper)
        {
            bool badUuid = allowOfflineChanges && Format.OriginHandle.IsNullUuid(fs.Uuid);
            foreach (Filesystem other in _filesystems)
            {
                if (other.IsLower && other.Uuid.AsSpan().SequenceEqual(fs.Uuid))
                {
                    other.BadUuid = true;
                    badUuid = true;
                }
            }
            fs.BadUuid = badUuid;
        }
        _filesystems.Add(fs);
        return _filesystems.Count - 1;
    }

    private static Filesystem Probe(int rootFd)
    {
        var fs = new Filesystem();
        if (Sys.FStat(rootFd, out StatX st) == 0)
            fs.Device = st.Device;
        Sys.GetFsUuid(rootFd, fs.Uuid);
        Span<byte> handle = stackalloc byte[Libc.MAX_HANDLE_SZ];
        int length = Sys.NameToHandle(rootFd, ReadOnlySpan<byte>.Empty, handle, out int type);
        if (length >= 0)
        {
            fs.Ino32 = type == HandleTypeIno32 && length == Ino32HandleBytes;
            // Following a handle needs CAP_DAC_READ_SEARCH: without it the kernel records empty origins too.
            int fd = Sys.OpenByHandle(rootFd, handle[..length], type, OpenFlags.O_PATH);
            fs.CanDecode = fd >= 0;
            if (fd >= 0)
                Sys.Close(fd);
        }
        return fs;
    }

    private sealed class Filesystem
    {
        public bool Reserved { get; init; }

        public ulong Device { get; set; }

        public byte[] Uuid { get; } = new byte[16];

        public bool CanDecode { get; set; }

        public bool Ino32 { get; set; }

        public bool IsLower { get; set; }

        public bool BadUuid { get; set; }
    }
}
