using System.Text;
using Strata.Posix;

namespace Strata.Union.Tests;

/// <summary>Path-level shortcuts over the node API, to keep the tests short.</summary>
internal static class UnionHelpers
{
    public static readonly Caller Root = new(0, 0, Environment.ProcessId);

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Walks a relative path; the node id, or a negative errno.</summary>
    public static long Walk(this UnionFileSystem fs, string path)
    {
        ulong node = UnionFileSystem.RootId;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            int rc = fs.Lookup(node, B(part), out ulong child, out _);
            if (rc < 0)
                return rc;
            node = child;
        }
        return (long)node;
    }

    public static ulong Node(this UnionFileSystem fs, string path)
    {
        long n = fs.Walk(path);
        Assert.True(n > 0, $"lookup of {path} gave {n}");
        return (ulong)n;
    }

    public static string ReadAll(this UnionFileSystem fs, string path)
    {
        Assert.Equal(0, fs.Open(Root, fs.Node(path), OpenFlags.O_RDONLY, out ulong h));
        var buffer = new byte[65536];
        int n = fs.Read(h, 0, buffer);
        Assert.True(n >= 0);
        Assert.Equal(0, fs.Release(h));
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    public static void WriteAt(this UnionFileSystem fs, string path, string data, long offset = 0)
    {
        Assert.Equal(0, fs.Open(Root, fs.Node(path), OpenFlags.O_WRONLY, out ulong h));
        Assert.Equal(data.Length, fs.Write(h, offset, B(data)));
        Assert.Equal(0, fs.Release(h));
    }

    public static List<string> List(this UnionFileSystem fs, string path)
    {
        Assert.Equal(0, fs.OpenDir(Root, fs.Node(path), out ulong h));
        Assert.Equal(0, fs.ReadDir(h, 0, out MergedDirectory listing));
        var names = new List<string>();
        for (int i = 0; i < listing.Count; i++)
            names.Add(Encoding.UTF8.GetString(listing.NameAt(i)));
        Assert.Equal(0, fs.ReleaseDir(h));
        return names;
    }

    /// <summary>The inode number the union reports for a path.</summary>
    public static ulong Ino(this UnionFileSystem fs, string path)
    {
        Assert.Equal(0, fs.GetAttr(fs.Node(path), out StatX st));
        return st.Inode;
    }

    /// <summary>The d_ino a listing of dir gives for name.</summary>
    public static ulong ListedIno(this UnionFileSystem fs, string dir, string name)
    {
        Assert.Equal(0, fs.OpenDir(Root, fs.Node(dir), out ulong h));
        Assert.Equal(0, fs.ReadDir(h, 0, out MergedDirectory listing));
        try
        {
            for (int i = 0; i < listing.Count; i++)
            {
                if (listing.NameAt(i).SequenceEqual(B(name)))
                    return listing.InodeAt(i);
            }
            throw new InvalidOperationException($"{name} not listed in {dir}");
        }
        finally
        {
            fs.ReleaseDir(h);
        }
    }

    public static (ulong Parent, byte[] Name) Split(this UnionFileSystem fs, string path)
    {
        int slash = path.LastIndexOf('/');
        ulong parent = slash < 0 ? UnionFileSystem.RootId : fs.Node(path[..slash]);
        return (parent, B(path[(slash + 1)..]));
    }
}
