using System.Text;
using Strata.Posix;
using Strata.Testing;
using Strata.Union.Options;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Tests;

/// <summary>A temp dir with two lowers (l1 on top of l0), an upper and a work dir; removed on dispose.</summary>
internal sealed class TempLayers : IDisposable
{
    public TempLayers()
    {
        Sys.SetUmask(0);
        Root = Path.Combine("/tmp", "strata-union-" + Guid.NewGuid().ToString("N")[..12]);
        foreach (string d in new[] { Lower0, Lower1, Upper, Work })
            Directory.CreateDirectory(d);
    }

    public string Root { get; }

    public string Lower0 => Path.Combine(Root, "l0");

    public string Lower1 => Path.Combine(Root, "l1");

    public string Upper => Path.Combine(Root, "u");

    public string Work => Path.Combine(Root, "w");

    public UnionFileSystem Open(bool readOnly = false, OverlayFeatures? features = null) =>
        new(LayerStack.Open([Lower1, Lower0], readOnly ? null : Upper, readOnly ? null : Work), features);

    /// <summary>What the work dir holds that an operation left behind (see <see cref="WorkDirContents"/>).</summary>
    public List<string> WorkLeftovers() => WorkDirContents.Leftovers(Path.Combine(Work, "work"));

    public static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public static void MakeWhiteout(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Assert.Equal(0, Sys.MknodAt(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(path), FileType.S_IFCHR, 0));
    }

    public static void SetXattr(string path, string name, string value)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        Assert.Equal(0, Sys.SetXattr(fd, Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value)));
        Sys.Close(fd);
    }

    public static string? GetXattr(string path, string name)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        var buffer = new byte[256];
        int n = Sys.GetXattr(fd, Encoding.UTF8.GetBytes(name), buffer);
        Sys.Close(fd);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, n);
    }

    public static byte[]? GetXattrBytes(string path, string name)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        var buffer = new byte[512];
        int n = Sys.GetXattr(fd, Encoding.UTF8.GetBytes(name), buffer);
        Sys.Close(fd);
        return n < 0 ? null : buffer[..n];
    }

    public static void SetXattrBytes(string path, string name, byte[] value)
    {
        int fd = Sys.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        Assert.Equal(0, Sys.SetXattr(fd, Encoding.UTF8.GetBytes(name), value));
        Sys.Close(fd);
    }

    public static StatX LStat(string path)
    {
        Assert.Equal(0, Sys.Stat(path, out StatX st, followSymlinks: false));
        return st;
    }

    public static bool Exists(string path) => Sys.Stat(path, out _, followSymlinks: false) == 0;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
