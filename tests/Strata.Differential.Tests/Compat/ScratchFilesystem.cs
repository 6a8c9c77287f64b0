namespace Strata.Differential.Tests.Compat;

/// <summary>
/// A filesystem of its own mounted on a temp dir, so that a layer can sit on another filesystem than the
/// others: a tmpfs (64-bit handles, its own uuid) or a loop-mounted ext4 image (32-bit inode numbers, like the
/// one TMPDIR is on). Dispose unmounts it, pass or fail.
/// </summary>
public sealed class ScratchFilesystem : IDisposable
{
    private ScratchFilesystem(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static ScratchFilesystem Mount(string kind, string dir)
    {
        string mountPoint = System.IO.Path.Combine(dir, kind + "-fs");
        Directory.CreateDirectory(mountPoint);
        if (kind == "tmpfs")
        {
            ProcessRunner.Check("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint);
        }
        else
        {
            string image = System.IO.Path.Combine(dir, kind + ".img");
            using (FileStream file = File.Create(image))
                file.SetLength(32 << 20);
            ProcessRunner.Check("mkfs.ext4", "-q", "-F", image);
            ProcessRunner.Check("mount", "-o", "loop", image, mountPoint);
        }
        return new ScratchFilesystem(mountPoint);
    }

    public void Dispose()
    {
        if (Mounts.IsMounted(Path))
            ProcessRunner.Run("umount", [Path], TimeSpan.FromSeconds(30));
        if (Mounts.IsMounted(Path))
            ProcessRunner.Run("umount", ["-l", Path], TimeSpan.FromSeconds(30));
    }
}
