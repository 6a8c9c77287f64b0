using Strata.Image.Unpack;
using Strata.Testing;

namespace Strata.Image.Tests.Support;

/// <summary>
/// Layer tars unpacked by the store's unpacker into dirs of a temp dir (bottom first), and the same dirs
/// mounted read-only with kernel overlayfs: the reference for what the image shows.
/// </summary>
public sealed class UnpackedLayers : IDisposable
{
    private readonly TempDir _dir = new("strata-layers-");
    private KernelOverlay? _kernel;

    public UnpackedLayers(IReadOnlyList<byte[]> tarsBottomFirst)
    {
        var dirs = new List<string>();
        for (int i = 0; i < tarsBottomFirst.Count; i++)
        {
            string dir = _dir.Make($"layer{i}");
            using var tar = new MemoryStream(tarsBottomFirst[i]);
            LayerUnpacker.Unpack(tar, dir);
            dirs.Add(dir);
        }
        DiffDirs = dirs;
    }

    /// <summary>Bottom first.</summary>
    public IReadOnlyList<string> DiffDirs { get; }

    /// <summary>The kernel's merged view of the layers (mounted on first use, read-only).</summary>
    public string KernelView
    {
        get
        {
            if (_kernel is null)
            {
                // Without an upper dir the kernel wants two lowers: an empty one at the bottom changes nothing.
                List<string> lowers = DiffDirs.Reverse().ToList();
                if (lowers.Count < 2)
                    lowers.Add(_dir.Make("empty"));
                _kernel = KernelOverlay.Mount($"lowerdir={string.Join(':', lowers)}", _dir.Make("kernel"));
            }
            return _kernel.MountPoint;
        }
    }

    /// <summary>Every layer's entries (type, target, overlay marks), for the message of a failed comparison.</summary>
    public string Describe() => string.Join("\n", DiffDirs.Select((dir, i) => $"layer {i}:\n  " + string.Join("\n  ", TreeSnapshot.Take(dir))));

    public void Dispose()
    {
        _kernel?.Dispose();
        _dir.Dispose();
    }
}
