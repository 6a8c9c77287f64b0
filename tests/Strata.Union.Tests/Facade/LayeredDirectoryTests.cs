using System.Text;
using Strata.Posix;
using Strata.Testing;
using Strata.Union.Api;

namespace Strata.Union.Tests.Facade;

/// <summary>
/// The facade's own contract, case by case: errors as the documented exceptions with HResult = errno, and the
/// overlay's on-disk effects (copy-up, whiteout, opaque dir) left in the layers as the kernel leaves them.
/// The random differential cases against the kernel are in Strata.Differential.Tests (FacadeSequenceTests).
/// </summary>
public sealed class LayeredDirectoryTests
{
    [Fact]
    public void AMissingNameIsFileNotFoundAndAMissingDirOnTheWayIsDirectoryNotFound()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        using LayeredDirectory union = Open(t);

        var file = Assert.Throws<UnionFileNotFoundException>(() => union.GetInfo("d/missing"));
        Assert.Equal(Errno.ENOENT, file.HResult);
        Assert.Equal(Errno.ENOENT, UnionErrors.ErrnoOf(file));
        var dir = Assert.Throws<UnionDirectoryNotFoundException>(() => union.ReadAllText("missing/f"));
        Assert.Equal(Errno.ENOENT, dir.HResult);
        // Through a file on the way: ENOTDIR, a plain IOException.
        Assert.Equal(Errno.ENOTDIR, ErrnoOf<IOException>(() => union.GetInfo("d/f/x")));
    }

    [Fact]
    public void NamesThatAreTakenGiveEexistAndANonEmptyDirEnotempty()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        using LayeredDirectory union = Open(t);

        Assert.Equal(Errno.EEXIST, ErrnoOf<IOException>(() => union.CreateDirectory("d")));
        Assert.Equal(Errno.EEXIST, ErrnoOf<IOException>(() => union.OpenFile("d/f", FileMode.CreateNew, FileAccess.Write).Dispose()));
        Assert.Equal(Errno.EEXIST, ErrnoOf<IOException>(() => union.Move("d/f", "d", UnionRenameMode.NoReplace)));
        Assert.Equal(Errno.ENOTEMPTY, ErrnoOf<IOException>(() => union.DeleteDirectory("d")));
        Assert.True(TempLayers.Exists(Path.Combine(t.Lower0, "d/f")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Upper));
    }

    [Fact]
    public void RenamingALowerDirIsExdevAndLeavesItWhereItWas()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        using LayeredDirectory union = Open(t);

        Assert.Equal(Errno.EXDEV, ErrnoOf<IOException>(() => union.Move("d", "e")));
        Assert.Equal("x", union.ReadAllText("d/f"));
        Assert.False(union.Exists("e"));
        // A dir made in the upper dir alone moves plainly.
        union.CreateDirectory("new");
        union.Move("new", "moved");
        Assert.True(Directory.Exists(Path.Combine(t.Upper, "moved")));
    }

    [Fact]
    public void WithoutAnUpperDirEveryChangeIsErofsAndReadsStillWork()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "f"), "lower");
        TempLayers.Write(Path.Combine(t.Lower1, "d/g"), "top");
        using LayeredDirectory union = LayeredDirectory.Open([t.Lower1, t.Lower0]);

        Assert.True(union.IsReadOnly);
        Assert.Equal("lower", union.ReadAllText("f"));
        Assert.Equal(Errno.EROFS, ErrnoOf<IOException>(() => union.WriteAllText("f", "changed")));
        Assert.Equal(Errno.EROFS, ErrnoOf<IOException>(() => union.OpenFile("f", FileMode.Open, FileAccess.Write).Dispose()));
        Assert.Equal(Errno.EROFS, ErrnoOf<IOException>(() => union.CreateDirectory("new")));
        Assert.Equal(Errno.EROFS, ErrnoOf<IOException>(() => union.DeleteFile("d/g")));
        Assert.Equal(Errno.EROFS, ErrnoOf<IOException>(() => union.SetMode("f", (UnixFileMode)0x180)));
        Assert.Equal("lower", File.ReadAllText(Path.Combine(t.Lower0, "f")));
    }

    [Fact]
    public void WritingALowerFileCopiesItUpAndLeavesTheLowerUntouched()
    {
        using var t = new TempLayers();
        string lower = Path.Combine(t.Lower0, "d/f");
        TempLayers.Write(lower, "lower data");
        File.SetUnixFileMode(lower, (UnixFileMode)0x1A0); // 0640
        using LayeredDirectory union = Open(t);

        using (UnionFileStream stream = union.OpenFile("d/f", FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Write("LOWER"u8);
            stream.Position = 0;
            var read = new byte[32];
            Assert.Equal("LOWER data", Encoding.UTF8.GetString(read, 0, stream.Read(read)));
        }

        Assert.Equal("lower data", File.ReadAllText(lower));
        string upper = Path.Combine(t.Upper, "d/f");
        Assert.Equal("LOWER data", File.ReadAllText(upper));
        Assert.Equal(0x1A0u, TempLayers.LStat(upper).Mode & FileType.PermissionBits);
        Assert.Equal((UnixFileMode)0x1A0, union.GetInfo("d/f").Mode);
        Assert.Empty(t.WorkLeftovers());
    }

    [Fact]
    public void DeletingALowerFileLeavesAWhiteoutAndTheLowerFile()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        TempLayers.Write(Path.Combine(t.Lower0, "d/g"), "y");
        using LayeredDirectory union = Open(t);

        union.DeleteFile("d/f");

        Assert.False(union.Exists("d/f"));
        Assert.Equal(["g"], union.ReadDirectory("d").Select(e => e.Name));
        StatX whiteout = TempLayers.LStat(Path.Combine(t.Upper, "d/f"));
        Assert.True(FileType.IsCharDevice(whiteout.Mode));
        Assert.Equal((0u, 0u), (whiteout.RdevMajor, whiteout.RdevMinor));
        Assert.True(TempLayers.Exists(Path.Combine(t.Lower0, "d/f")));
        Assert.Throws<UnionFileNotFoundException>(() => union.ReadAllText("d/f"));
    }

    [Fact]
    public void ADirMadeOverADeletedOneIsOpaqueAndHidesTheLowerEntries()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/f"), "x");
        using LayeredDirectory union = Open(t);

        union.DeleteFile("d/f");
        union.DeleteDirectory("d");
        Assert.False(union.Exists("d"));
        union.CreateDirectory("d");

        Assert.Empty(union.ReadDirectory("d"));
        Assert.Equal("y", TempLayers.GetXattr(Path.Combine(t.Upper, "d"), "trusted.overlay.opaque"));
        Assert.True(TempLayers.Exists(Path.Combine(t.Lower0, "d/f")));
        // Not listed to the user: the overlay's own xattrs stay hidden.
        Assert.DoesNotContain(union.ListXattrs("d"), n => n.StartsWith("trusted.overlay.", StringComparison.Ordinal));
    }

    [Fact]
    public void SymlinksCannotLeadOutOfTheUnionsRoot()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "etc/passwd"), "inside");
        TempLayers.Write(Path.Combine(t.Lower0, "d/e/f"), "deep");
        Directory.CreateSymbolicLink(Path.Combine(t.Lower0, "absolute"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(t.Lower0, "d/e/climb"), "../../../../../../etc");
        Directory.CreateSymbolicLink(Path.Combine(t.Lower0, "d/e/near"), "../e/f");
        using LayeredDirectory union = Open(t);

        Assert.Equal("inside", union.ReadAllText("absolute"));
        Assert.Equal("inside", union.ReadAllText("d/e/climb/passwd"));
        Assert.Equal("inside", union.ReadAllText("../../etc/passwd"));
        Assert.Equal("deep", union.ReadAllText("d/e/near"));
        Assert.Equal("/etc/passwd", union.ReadLink("absolute"));
        // A write through such a link lands in the union's upper dir, never outside it.
        union.WriteAllText("d/e/climb/hosts", "mine");
        Assert.Equal("mine", File.ReadAllText(Path.Combine(t.Upper, "etc/hosts")));
    }

    [Fact]
    public void WhatItCreatesGetsTheModeAskedForLessTheUmask()
    {
        using var t = new TempLayers();
        using LayeredDirectory union = Open(t);
        union.Umask = (UnixFileMode)0x12; // 022

        // mkdir, as the kernel's: the random sequences found mkdir -m 777 giving 777 (seeds 27 and 31).
        union.CreateDirectory("d", (UnixFileMode)0x3FF); // 1777: the sticky bit stays
        union.CreateFifo("p", (UnixFileMode)0x1B6);
        union.OpenFile("f", FileMode.CreateNew, FileAccess.Write, (UnixFileMode)0x1FF).Dispose();

        Assert.Equal(0x3EDu, TempLayers.LStat(Path.Combine(t.Upper, "d")).Mode & FileType.PermissionBits);
        Assert.Equal(0x1A4u, TempLayers.LStat(Path.Combine(t.Upper, "p")).Mode & FileType.PermissionBits);
        Assert.Equal(0x1EDu, TempLayers.LStat(Path.Combine(t.Upper, "f")).Mode & FileType.PermissionBits);
    }

    [Fact]
    public void WhatItCreatesUnderADefaultAclInheritsItInsteadOfTheUmask()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/old"), "x");
        SetAcl(Path.Combine(t.Lower0, "d"), AclText.DefaultXattr, "u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---");
        using LayeredDirectory union = Open(t);
        union.Umask = (UnixFileMode)0x3F; // 077: not applied under a default ACL

        union.CreateDirectory("d/sub", (UnixFileMode)0x1FF);
        union.OpenFile("d/f", FileMode.CreateNew, FileAccess.Write, (UnixFileMode)0x1B6).Dispose();
        union.CreateFifo("d/p", (UnixFileMode)0x1B6);
        union.DeleteFile("d/old");
        union.OpenFile("d/old", FileMode.CreateNew, FileAccess.Write, (UnixFileMode)0x1B6).Dispose(); // over a whiteout: built in the work dir

        // posix_acl_create: the default narrowed to the mode asked for (0666 or 0777), the mode to the ACL.
        foreach (string name in (string[])["f", "p", "old"])
        {
            string path = Path.Combine(t.Upper, "d", name);
            Assert.Equal(0x1B0u, TempLayers.LStat(path).Mode & FileType.PermissionBits); // 660
            Assert.Equal("u::rw-,u:1001:rwx,g::r-x,m::rw-,o::---", Acl(path, AclText.AccessXattr));
            Assert.Null(Acl(path, AclText.DefaultXattr));
        }
        string sub = Path.Combine(t.Upper, "d/sub");
        Assert.Equal(0x1F8u, TempLayers.LStat(sub).Mode & FileType.PermissionBits); // 770
        Assert.Equal("u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---", Acl(sub, AclText.AccessXattr));
        Assert.Equal("u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---", Acl(sub, AclText.DefaultXattr));
        // Where the parent has no default ACL the umask applies and nothing is inherited.
        union.OpenFile("plain", FileMode.CreateNew, FileAccess.Write, (UnixFileMode)0x1B6).Dispose();
        Assert.Equal(0x180u, TempLayers.LStat(Path.Combine(t.Upper, "plain")).Mode & FileType.PermissionBits); // 600
        Assert.Null(Acl(Path.Combine(t.Upper, "plain"), AclText.AccessXattr));
    }

    private static void SetAcl(string path, string name, string text)
    {
        int fd = Strata.Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH);
        Assert.True(fd >= 0);
        Assert.Equal(0, Strata.Posix.Posix.SetXattr(fd, Encoding.UTF8.GetBytes(name), AclText.ToXattr(text)));
        Strata.Posix.Posix.Close(fd);
    }

    private static string? Acl(string path, string name)
    {
        int fd = Strata.Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        var value = new byte[256];
        int n = Strata.Posix.Posix.GetXattr(fd, Encoding.UTF8.GetBytes(name), value);
        Strata.Posix.Posix.Close(fd);
        return n < 0 ? null : AclText.FromXattr(value.AsSpan(0, n));
    }

    [Fact]
    public void ALowerFifoOpenedForWritingIsNotCopiedUp()
    {
        using var t = new TempLayers();
        Assert.Equal(0, Strata.Posix.Posix.MknodAt(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(Path.Combine(t.Lower0, "p")), FileType.S_IFIFO | 0x1A4, 0));
        using LayeredDirectory union = Open(t);

        // Non-blocking, as open(2) of a fifo with O_NONBLOCK: no reader yet is ENXIO.
        Assert.Equal(Errno.ENXIO, ErrnoOf<IOException>(() => union.OpenFile("p", FileMode.Open, FileAccess.Write).Dispose()));
        using (UnionFileStream reader = union.OpenFile("p", FileMode.Open, FileAccess.Read))
        using (UnionFileStream writer = union.OpenFile("p", FileMode.Open, FileAccess.Write))
        {
            writer.Write("through"u8);
            var read = new byte[16];
            Assert.Equal("through", Encoding.UTF8.GetString(read, 0, reader.Read(read)));
        }

        // What goes through a fifo is no change to the layer (ovl_open_need_copy_up is for regular files).
        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Upper));
    }

    [Fact]
    public void ALinkLoopIsEloop()
    {
        using var t = new TempLayers();
        Directory.CreateSymbolicLink(Path.Combine(t.Lower0, "a"), "b");
        Directory.CreateSymbolicLink(Path.Combine(t.Lower0, "b"), "a");
        using LayeredDirectory union = Open(t);

        Assert.Equal(Errno.ELOOP, ErrnoOf<IOException>(() => union.ReadAllText("a")));
        Assert.Equal(UnionFileType.SymbolicLink, union.GetInfo("a", followSymlinks: false).Type);
    }

    [Fact]
    public void TheKernelMountingTheLayersTheFacadeChangedShowsTheFacadesTree()
    {
        using var t = new TempLayers();
        TempLayers.Write(Path.Combine(t.Lower0, "d/a"), "a");
        TempLayers.Write(Path.Combine(t.Lower0, "d/b"), "b");
        TempLayers.Write(Path.Combine(t.Lower0, "gone/x"), "x");
        TempLayers.Write(Path.Combine(t.Lower1, "f"), "top");
        TempLayers.Write(Path.Combine(t.Lower1, "d/c"), "c");
        List<string> facadeTree;
        using (LayeredDirectory union = Open(t))
        {
            union.WriteAllText("f", "changed");
            union.DeleteFile("d/a");
            union.Move("d/b", "moved");
            union.DeleteFile("gone/x");
            union.DeleteDirectory("gone");
            union.CreateDirectory("gone", (UnixFileMode)0x1ED);
            union.WriteAllText("gone/new", "n");
            union.CreateSymbolicLink("link", "moved");
            union.CreateFifo("fifo");
            union.SetXattr("d/c", "user.k", "v"u8);
            facadeTree = Tree(union, "");
        }

        using var mountPoint = new TempDir("strata-facade-kernel-");
        using (KernelOverlay.Mount($"lowerdir={t.Lower1}:{t.Lower0},upperdir={t.Upper},workdir={t.Work}", mountPoint.Path))
            Assert.Equal(KernelTree(mountPoint.Path, ""), facadeTree);
    }

    internal static LayeredDirectory Open(TempLayers t) => LayeredDirectory.Open([t.Lower1, t.Lower0], t.Upper, t.Work);

    private static int ErrnoOf<TException>(Action action)
        where TException : Exception
    {
        TException e = Assert.Throws<TException>(action);
        return e.HResult;
    }

    // One line per path (type, mode, contents or target, user xattrs), through the facade and through the mount.
    private static List<string> Tree(LayeredDirectory union, string dir)
    {
        var lines = new List<string>();
        foreach (UnionDirectoryEntry entry in union.ReadDirectory(dir).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            string path = dir.Length == 0 ? entry.Name : dir + "/" + entry.Name;
            UnionFileInfo info = union.GetInfo(path, followSymlinks: false);
            string what = info.Type switch
            {
                UnionFileType.File => union.ReadAllText(path),
                UnionFileType.SymbolicLink => "-> " + union.ReadLink(path),
                _ => "",
            };
            string xattrs = info.Type is UnionFileType.File or UnionFileType.Directory
                ? string.Join(",", union.ListXattrs(path).Where(n => n.StartsWith("user.", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                    .Select(n => n + "=" + Encoding.UTF8.GetString(union.GetXattr(path, n))))
                : "";
            lines.Add($"{path} {info.Type} {Convert.ToString((int)info.Mode, 8)} {what} {xattrs}");
            if (info.IsDirectory)
                lines.AddRange(Tree(union, path));
        }
        return lines;
    }

    private static List<string> KernelTree(string root, string dir)
    {
        var lines = new List<string>();
        foreach (string full in Directory.EnumerateFileSystemEntries(Path.Combine(root, dir)).Order(StringComparer.Ordinal))
        {
            string path = dir.Length == 0 ? Path.GetFileName(full) : dir + "/" + Path.GetFileName(full);
            StatX st = TempLayers.LStat(full);
            UnionFileType type = st.IsDirectory ? UnionFileType.Directory : st.IsSymlink ? UnionFileType.SymbolicLink
                : st.IsRegular ? UnionFileType.File : (st.Mode & FileType.S_IFMT) == FileType.S_IFIFO ? UnionFileType.Fifo : UnionFileType.CharacterDevice;
            string what = type switch
            {
                UnionFileType.File => File.ReadAllText(full),
                UnionFileType.SymbolicLink => "-> " + new FileInfo(full).LinkTarget,
                _ => "",
            };
            string xattrs = type is UnionFileType.File or UnionFileType.Directory
                ? string.Join(",", UserXattrNames(full).Select(n => n + "=" + TempLayers.GetXattr(full, n)))
                : "";
            lines.Add($"{path} {type} {Convert.ToString(st.Mode & FileType.PermissionBits, 8)} {what} {xattrs}");
            if (st.IsDirectory)
                lines.AddRange(KernelTree(root, path));
        }
        return lines;
    }

    private static IEnumerable<string> UserXattrNames(string path)
    {
        int fd = Strata.Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
        Assert.True(fd >= 0);
        var list = new byte[4096];
        int n = Strata.Posix.Posix.ListXattr(fd, list);
        Strata.Posix.Posix.Close(fd);
        return Encoding.UTF8.GetString(list, 0, Math.Max(n, 0)).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(name => name.StartsWith("user.", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
    }
}
