using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Differential.Tests.Permissions;
using Strata.Posix;

namespace Strata.Differential.Tests.Fixed;

/// <summary>
/// open(O_TMPFILE) and linkat(fd, "", dir, name, AT_EMPTY_PATH) on kernel overlayfs and on Strata over the same
/// lower: in the merged root, in a lower-only dir (copied up by the open), in a merged dir, and over a lower file
/// deleted first (a whiteout in the upper dir); with O_EXCL (never linkable), onto a name that exists, and closed
/// without a link. What each call returns, the data, the stat fields that must agree and, once unmounted, the
/// upper dirs and work dirs must be the kernel's. One case runs as a user with a umask.
/// </summary>
public sealed class TmpFileTests
{
    private const uint Mode0640 = 0x1A0;
    private const uint Mode0666 = 0x1B6;
    private const uint Umask027 = 0x17;

    [Theory]
    [InlineData(null)]
    [InlineData("passthrough=off")]
    public void TmpFilesAreMadeWrittenAndLinkedAsTheKernelDoes(string? strataOptions) => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(BuildLower, strataOptions);
        var transcripts = new List<List<string>>();
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            var log = new List<string>();
            // "merged" gets its upper instance first: a new file in it copies it up.
            File.WriteAllText(Path.Combine(side.Merged, "merged", "made"), "made");
            int root = OpenRoot(side);
            foreach (string dir in new[] { "", "lowerdir", "merged" })
            {
                MakeWriteAndLink(root, dir, log);
                log.Add(UpperInode(side, dir));
            }
            Posix.Posix.Close(root);
            File.Delete(Path.Combine(side.Merged, "gone"));
            LinkOverTheDeleted(side, log);
            NeverLinkable(side, log);
            ClosedWithoutLink(side, log);
            log.Add("merged view: " + string.Join(" | ", TreeSnapshot.Take(side.Merged, includeOverlayXattrs: false, includeOwnersAndUserXattrs: true)));
            transcripts.Add(log);
        }
        Assert.Equal(transcripts[0], transcripts[1]);
        Assert.Contains("linkat  -> 0", transcripts[0][3]);

        mounts.Unmount();
        AssertSameLayers(mounts);
    }, TimeSpan.FromMinutes(3));

    /// <summary>
    /// A user's O_TMPFILE (and its link) belongs to him and has his umask applied, or in a dir with a default ACL
    /// inherits the ACL instead, as on the kernel's overlay.
    /// </summary>
    [Fact]
    public void ATmpFileOfAUserIsHisWithHisUmask() => Bounded.Run(() =>
    {
        using var mounts = new TwoMounts(BuildLower);
        var transcripts = new List<List<string>>();
        foreach (TwoMounts.Side side in mounts.Sides)
        {
            var log = new List<string>();
            // A thread of its own: the user's credentials and umask are taken on by the calling thread.
            Exception? failed = null;
            int root = OpenRoot(side);
            var thread = new Thread(() =>
            {
                try
                {
                    Users.Alice.Run(Umask027, () =>
                    {
                        MakeWriteAndLink(root, "home", log, Mode0666);
                        MakeWriteAndLink(root, "acldir", log, Mode0666);
                        return 0;
                    });
                }
#pragma warning disable CA1031 // Rethrown on the test's thread below.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failed = e;
                }
            });
            thread.Start();
            thread.Join();
            Posix.Posix.Close(root);
            if (failed is not null)
                throw new InvalidOperationException($"{side.Name}: the steps as {Users.Alice} failed", failed);
            log.Add(UpperInode(side, "home"));
            log.Add("merged view: " + string.Join(" | ", TreeSnapshot.Take(side.Merged, includeOverlayXattrs: false, includeOwnersAndUserXattrs: true)));
            transcripts.Add(log);
        }
        Assert.Equal(transcripts[0], transcripts[1]);
        Assert.Contains("mode=100640 owner=1000:1000 nlink=0", transcripts[0][1]);
        Assert.Contains("acldir/linked mode=100600 size=12 data=D8463C14B2915458 owner=1000:1000 user.tmp=x system.posix_acl_access=", transcripts[0][^1]);

        mounts.Unmount();
        AssertSameLayers(mounts);
    });

    /// <summary>Without an upper dir nothing can be made: EROFS, as the kernel's read-only overlay gives.</summary>
    [Fact]
    public void ATmpFileOnAReadOnlyMountIsErofs() => Bounded.Run(() =>
    {
        using var root = new TempDir("strata-fixed-tmpfile-ro-");
        string top = Path.Combine(root.Path, "top"), bottom = Path.Combine(root.Path, "bottom");
        string kernelMerged = Path.Combine(root.Path, "kernel"), strataMerged = Path.Combine(root.Path, "strata");
        foreach (string dir in new[] { top, bottom, kernelMerged, strataMerged }) Directory.CreateDirectory(dir);
        BuildLower(bottom);
        // The kernel wants two lowers without an upper dir.
        string options = $"lowerdir={top}:{bottom}";
        var results = new List<string>();
        using (KernelOverlay.Mount(options, kernelMerged))
        using (StrataInProcess.Mount(options, strataMerged))
        {
            foreach (string merged in new[] { kernelMerged, strataMerged })
                results.Add(Outcome(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(merged, "lowerdir"), OpenFlags.O_TMPFILE | OpenFlags.O_RDWR, Mode0640)));
        }
        Assert.Equal(["EROFS", "EROFS"], results);
    });

    private static void BuildLower(string lower)
    {
        Directory.CreateDirectory(Path.Combine(lower, "lowerdir"));
        File.WriteAllText(Path.Combine(lower, "lowerdir", "inside"), "inside");
        Directory.CreateDirectory(Path.Combine(lower, "merged"));
        File.WriteAllText(Path.Combine(lower, "merged", "below"), "below");
        File.WriteAllText(Path.Combine(lower, "gone"), "lower data");
        File.WriteAllText(Path.Combine(lower, "taken"), "taken");
        foreach (string name in new[] { "home", "acldir" })
        {
            string dir = Path.Combine(lower, name);
            Directory.CreateDirectory(dir);
            Check(Posix.Posix.ChownAt(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(dir), Users.Alice.Uid, Users.Alice.Gid), dir);
        }
        // A default ACL: what is made in the dir inherits it, and the umask does not apply.
        int acl = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(lower, "acldir"), OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY), "acldir");
        Check(Posix.Posix.SetXattr(acl, Encoding.UTF8.GetBytes(AclText.DefaultXattr), AclText.ToXattr("u::rwx,u:1001:rwx,g::r-x,m::rwx,o::r-x")), "acldir default ACL");
        Posix.Posix.Close(acl);
    }

    // O_TMPFILE in dir, written, changed through its fd while it has no name, then linked and written again. Paths
    // are taken from an fd of the merged root opened by root, so that a user need not reach the mount point.
    private static void MakeWriteAndLink(int root, string dir, List<string> log, uint mode = Mode0640)
    {
        byte[] at = Encoding.UTF8.GetBytes(dir.Length == 0 ? "." : dir);
        byte[] name = Encoding.UTF8.GetBytes(dir.Length == 0 ? "linked" : dir + "/linked");
        byte[] second = Encoding.UTF8.GetBytes(dir.Length == 0 ? "second" : dir + "/second");
        int fd = Posix.Posix.OpenAt(root, at, OpenFlags.O_TMPFILE | OpenFlags.O_RDWR, mode);
        log.Add($"{dir}: O_TMPFILE -> {Outcome(fd)}");
        try
        {
            if (fd < 0)
                return;
            Posix.Posix.PWrite(fd, Encoding.UTF8.GetBytes($"data of {dir}"), 0);
            log.Add($"{dir}: unnamed {Describe(fd)}; reopened by its /proc link: {ReadAll(OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes($"/proc/self/fd/{fd}"))}");
            log.Add($"{dir}: fsync {Outcome(Posix.Posix.FSync(fd))} fchmod {Outcome(Posix.Posix.FChmod(fd, 0x180 /* 0600 */))}"
                + $" setxattr {Outcome(Posix.Posix.SetXattr(fd, "user.tmp"u8, "x"u8))} ftruncate {Outcome(Posix.Posix.FTruncate(fd, 7))}"
                + $" then {Describe(fd)} user.tmp={ReadXattr(fd)}");
            log.Add($"{dir}: linkat  -> {Outcome(Posix.Posix.LinkAt(fd, [], root, name))} then {Describe(fd)} {SameInode(fd, root, name)}");
            Posix.Posix.PWrite(fd, "+more"u8, 7);
            log.Add($"{dir}: by name {ReadAll(root, name)}; again {Outcome(Posix.Posix.LinkAt(fd, [], root, second))} {Describe(fd)}");
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static int OpenRoot(TwoMounts.Side side) =>
        Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, side.Merged, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY), side.Name);

    // "gone" was a lower file, deleted through the mount: the link lands on its whiteout.
    private static void LinkOverTheDeleted(TwoMounts.Side side, List<string> log)
    {
        int fd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, side.Merged, OpenFlags.O_TMPFILE | OpenFlags.O_WRONLY, Mode0640), side.Name);
        try
        {
            Posix.Posix.PWrite(fd, "over the whiteout"u8, 0);
            string name = Path.Combine(side.Merged, "gone");
            log.Add($"over a whiteout: linkat -> {Outcome(Posix.Posix.LinkAt(fd, [], OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(name)))}"
                + $" {File.ReadAllText(name)} {Describe(fd)}; onto an existing name: "
                + Outcome(Posix.Posix.LinkAt(fd, [], OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(Path.Combine(side.Merged, "taken")))));
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static void NeverLinkable(TwoMounts.Side side, List<string> log)
    {
        int fd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, side.Merged, OpenFlags.O_TMPFILE | OpenFlags.O_EXCL | OpenFlags.O_RDWR, Mode0640), side.Name);
        try
        {
            Posix.Posix.PWrite(fd, "excl"u8, 0);
            log.Add($"O_EXCL: {Describe(fd)} linkat -> {Outcome(Posix.Posix.LinkAt(fd, [], OpenFlags.AT_FDCWD, Encoding.UTF8.GetBytes(Path.Combine(side.Merged, "excl"))))}"
                + $" name {Outcome(Posix.Posix.Stat(Path.Combine(side.Merged, "excl"), out _))}");
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
    }

    private static void ClosedWithoutLink(TwoMounts.Side side, List<string> log)
    {
        int fd = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(side.Merged, "merged"), OpenFlags.O_TMPFILE | OpenFlags.O_WRONLY, Mode0640), side.Name);
        log.Add($"closed unlinked: write {Posix.Posix.PWrite(fd, "never named"u8, 0)} {Describe(fd)} close {Outcome(Posix.Posix.Close(fd))}");
    }

    // After unmounting: the same upper dirs (owners and user xattrs too), and nothing left in either work dir.
    private static void AssertSameLayers(TwoMounts mounts)
    {
        Assert.Equal(TreeSnapshot.Take(mounts.Kernel.Upper, includeOwnersAndUserXattrs: true), TreeSnapshot.Take(mounts.Strata.Upper, includeOwnersAndUserXattrs: true));
        Assert.Empty(WorkDirContents.Leftovers(Path.Combine(mounts.Kernel.Work, "work")));
        Assert.Empty(WorkDirContents.Leftovers(Path.Combine(mounts.Strata.Work, "work")));
    }

    private static string Describe(int fd)
    {
        int rc = Posix.Posix.FStat(fd, out StatX st);
        return rc < 0 ? $"fstat {Outcome(rc)}" : $"mode={Convert.ToString(st.Mode, 8)} owner={st.Uid}:{st.Gid} nlink={st.LinkCount} size={st.Size}";
    }

    private static string SameInode(int fd, int root, byte[] name)
    {
        Posix.Posix.FStat(fd, out StatX open);
        int rc = Posix.Posix.Stat(root, name, out StatX named);
        return rc < 0 ? $"name {Outcome(rc)}" : open.Inode == named.Inode ? "same inode as the name" : "another inode than the name";
    }

    private static string ReadAll(int root, byte[] name)
    {
        int fd = Posix.Posix.OpenAt(root, name, OpenFlags.O_RDONLY);
        if (fd < 0)
            return Outcome(fd);
        Span<byte> data = stackalloc byte[256];
        int n = Posix.Posix.PRead(fd, data, 0);
        Posix.Posix.Close(fd);
        return n < 0 ? Outcome(n) : Encoding.UTF8.GetString(data[..n]);
    }

    // An upper-only file reports its upper file's inode number (layers on one filesystem: no xino bits).
    private static string UpperInode(TwoMounts.Side side, string dir)
    {
        string name = Path.Combine(dir, "linked");
        StatX upper = default;
        int rc = Posix.Posix.Stat(Path.Combine(side.Merged, name), out StatX merged);
        if (rc >= 0)
            rc = Posix.Posix.Stat(Path.Combine(side.Upper, name), out upper, followSymlinks: false);
        return $"{name}: " + (rc < 0 ? $"stat {Outcome(rc)}" : merged.Inode == upper.Inode ? "inode is the upper file's" : "inode is not the upper file's");
    }

    private static string ReadXattr(int fd)
    {
        Span<byte> value = stackalloc byte[16];
        int n = Posix.Posix.GetXattr(fd, "user.tmp"u8, value);
        return n < 0 ? Outcome(n) : Encoding.UTF8.GetString(value[..n]);
    }

    private static string Outcome(int rc) => rc < 0 ? ErrnoNames.Of(rc) : "0";

    private static int Check(int rc, string what) =>
        rc >= 0 ? rc : throw new InvalidOperationException($"{what}: {Errno.Describe(rc)}");
}
