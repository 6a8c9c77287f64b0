using System.Text;
using Strata.Posix;

namespace Strata.Differential.Tests.Layers;

/// <summary>Writes a layer's entries into a dir, the same way every time (the two runs must start identical).</summary>
public static class LayerWriter
{
    public static void Write(string root, IEnumerable<LayerEntry> entries)
    {
        Directory.CreateDirectory(root);
        int rootFd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, root, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY), root);
        try
        {
            foreach (LayerEntry entry in entries) Apply(rootFd, entry);
        }
        finally
        {
            Posix.Posix.Close(rootFd);
        }
    }

    private static void Apply(int rootFd, LayerEntry entry)
    {
        byte[] path = Encoding.UTF8.GetBytes(entry.Path);
        switch (entry)
        {
            case LayerEntry.Dir d:
                Check(Posix.Posix.MkdirAt(rootFd, path, d.Mode), d.Path);
                Check(Posix.Posix.ChmodAt(rootFd, path, d.Mode), d.Path); // mkdir applies the umask
                if (d.Opaque) SetXattr(rootFd, d.Path, "trusted.overlay.opaque", "y"u8.ToArray());
                break;
            case LayerEntry.File f:
                int fd = Check(Posix.Posix.OpenAt(rootFd, path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, f.Mode), f.Path);
                try
                {
                    Check(Posix.Posix.Write(fd, Encoding.UTF8.GetBytes(f.Content)), f.Path);
                    Check(Posix.Posix.FChown(fd, f.Owner, f.Owner), f.Path);
                    Check(Posix.Posix.FChmod(fd, f.Mode), f.Path);
                }
                finally
                {
                    Posix.Posix.Close(fd);
                }
                break;
            case LayerEntry.Symlink s:
                Check(Posix.Posix.SymlinkAt(Encoding.UTF8.GetBytes(s.Target), rootFd, path), s.Path);
                break;
            case LayerEntry.HardLink h:
                Check(Posix.Posix.LinkAt(rootFd, Encoding.UTF8.GetBytes(h.Existing), rootFd, path), h.Path);
                break;
            case LayerEntry.Whiteout w:
                Check(Posix.Posix.MknodAt(rootFd, path, FileType.S_IFCHR, 0), w.Path);
                break;
            case LayerEntry.UserXattr x:
                SetXattr(rootFd, x.Path, x.Name, Encoding.UTF8.GetBytes(x.Value));
                break;
            case LayerEntry.Acl a:
                SetXattr(rootFd, a.Path, a.Default ? AclText.DefaultXattr : AclText.AccessXattr, AclText.ToXattr(a.Text));
                break;
            case LayerEntry.Ownership o:
                Check(Posix.Posix.ChownAt(rootFd, path, o.Uid, o.Gid), o.Path);
                if (o.Mode is { } mode) Check(Posix.Posix.ChmodAt(rootFd, path, mode), o.Path);
                break;
        }
    }

    private static void SetXattr(int rootFd, string path, string name, byte[] value)
    {
        int fd = Check(Posix.Posix.OpenAt(rootFd, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW), path);
        try
        {
            Check(Posix.Posix.SetXattr(fd, Encoding.UTF8.GetBytes(name), value), path);
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static int Check(int result, string what) =>
        result >= 0 ? result : throw new InvalidOperationException($"writing the layer at {what}: {Errno.Describe(result)}");
}
