using System.Text;
using Strata.Image;
using Strata.Image.Unpack;
using Strata.Union.Options;

namespace Strata.Fuzz;

/// <summary>
/// The fuzz targets and their invariants, shared by the AFL++ harness (fuzz/run.sh) and the bounded in-process
/// mutation tests. The layer tar reader and unpacker may only fail with <see cref="ImageException"/> and may
/// write nothing but the layer dir; the mount option parser and validator may only fail with
/// <see cref="OverlayConfigException"/>. Anything else escapes, which is a crash to AFL and a failure to a test.
/// </summary>
public sealed class FuzzTargets
{
    /// <summary>Small bounds, so that an input cannot make one execution slow or big.</summary>
    private static readonly UnpackOptions Bounds = new() { MaxFileBytes = 8 << 20, MaxEntries = 4096, AllowDeviceNodes = false };

    private readonly string _sandbox;
    private readonly string _outside;

    /// <summary>A sandbox dir holding an outside/ dir with a victim file (the target of escapes) and the layer dirs.</summary>
    public FuzzTargets(string sandbox)
    {
        _sandbox = sandbox;
        _outside = Path.Combine(sandbox, "outside");
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "victim"), "safe");
        foreach (string d in new[] { "l0", "l1", "upper", "work", "upper/w" })
            Directory.CreateDirectory(Path.Combine(sandbox, "mount", d));
    }

    public int Executions { get; private set; }

    public int Refused { get; private set; }

    /// <summary>One layer blob: gzip or zstd when its magic says so, a plain tar otherwise.</summary>
    public void Tar(byte[] blob)
    {
        Executions++;
        string layer = Path.Combine(_sandbox, "layer");
        Directory.CreateDirectory(layer);
        try
        {
            LayerCompression compression = blob is [0x1F, 0x8B, ..] ? LayerCompression.Gzip
                : blob is [0x28, 0xB5, 0x2F, 0xFD, ..] ? LayerCompression.Zstd
                : LayerCompression.None;
            using var stream = new HashingReadStream(LayerDecompression.Open(new MemoryStream(blob), compression));
            try
            {
                LayerUnpacker.Unpack(stream, layer, Bounds);
            }
            catch (ImageException)
            {
                Refused++;
            }
            CheckOutside();
        }
        finally
        {
            Strata.Image.Store.TreeDeleter.Delete(layer);
        }
    }

    /// <summary>Option strings, one per line of the input, parsed and (when they parse) validated against real dirs.</summary>
    public void Options(byte[] input)
    {
        Executions++;
        string[] strings = Encoding.UTF8.GetString(input).Split('\n');
        try
        {
            OverlayOptions options = OverlayOptionsParser.Parse(strings, Path.Combine(_sandbox, "mount"));
            MountValidator.Validate(options);
        }
        catch (OverlayConfigException e)
        {
            if (e.Message.Length == 0 || e.Errno <= 0)
                throw new InvalidOperationException($"an option error without a message or errno: '{e.Message}' ({e.Errno})", e);
            Refused++;
        }
    }

    private void CheckOutside()
    {
        string[] around = Directory.GetFileSystemEntries(_sandbox).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        string[] outside = Directory.GetFileSystemEntries(_outside);
        if (!around.SequenceEqual(["layer", "mount", "outside"]) || outside.Length != 1 || File.ReadAllText(Path.Combine(_outside, "victim")) != "safe")
            throw new InvalidOperationException($"the unpack wrote outside the layer dir: sandbox has {string.Join(", ", around)}, outside/ has {outside.Length} entries");
    }
}
