using System.Diagnostics;
using System.Text;
using Strata.Posix;

namespace Strata.Cli.Tests;

/// <summary>
/// The kernel caches names and attributes of a Strata mount, and what other processes change directly in the
/// layer dirs still shows: the layer watcher invalidates it. Each change is checked with a bounded poll, since
/// the invalidation follows the change by a moment.
/// </summary>
public sealed class CachingTests
{
    private const string Options = "lowerdir=./l1:./l0,upperdir=./upper,workdir=./work";

    private static TempDir Layout()
    {
        var dir = new TempDir();
        foreach (string d in new[] { "l0", "l1", "upper", "work", "overlay", "l0/d", "l1/d" }) dir.Make(d);
        File.WriteAllText(dir["l0/hello"], "hello from l0\n");
        File.WriteAllText(dir["l0/d/low"], "low\n");
        File.WriteAllText(dir["l1/d/high"], "high\n");
        return dir;
    }

    [Fact]
    public void RepeatedStatsAreAnsweredByTheKernel() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.Equal(0, Posix.Posix.Stat(dir["overlay/d/low"], out _));
        Assert.NotEqual(0, Posix.Posix.Stat(dir["overlay/d/missing"], out _));
        Assert.NotEqual(0, Posix.Posix.Stat(dir["overlay/d/missing"], out _));
        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(0, Posix.Posix.Stat(dir["overlay/d/low"], out _));
            Assert.Equal(-Errno.ENOENT, Posix.Posix.Stat(dir["overlay/d/missing"], out _));
        }
        long after = StrataCommand.RequestsHandled(dir["overlay"]);
        // 400 stats; without caching each is at least a LOOKUP. The stats command itself costs none.
        Assert.True(after - before < 20, $"{after - before} requests for 400 stats of cached names");
    });

    [Fact]
    public void ANameCachedAsMissingShowsOnceCreatedInALayer() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        // Twice: the second miss is the one the kernel may keep.
        Assert.False(File.Exists(dir["overlay/d/new"]));
        Assert.False(File.Exists(dir["overlay/d/new"]));
        File.WriteAllText(dir["l0/d/new"], "new\n");
        Assert.True(Bounded.Eventually(() => File.Exists(dir["overlay/d/new"])), "a file created in a lower layer did not show");
        Assert.Equal("new\n", File.ReadAllText(dir["overlay/d/new"]));
    });

    [Fact]
    public void ANameLookedUpOnceAndThenCreatedShowsAtOnce() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.False(File.Exists(dir["overlay/once"]));
        File.WriteAllText(dir["l1/once"], "at once\n");
        Assert.Equal("at once\n", File.ReadAllText(dir["overlay/once"]));
    });

    [Fact]
    public void AttributesChangedInALayerShow() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.Equal(0, Posix.Posix.Stat(dir["overlay/hello"], out StatX before));
        File.SetUnixFileMode(dir["l0/hello"], UnixFileMode.UserRead);
        File.AppendAllText(dir["l0/hello"], "more\n");
        Assert.True(Bounded.Eventually(() => Posix.Posix.Stat(dir["overlay/hello"], out StatX st) == 0
            && (st.Mode & 0xFFF) == 0x100 && st.Size == before.Size + 5), "mode and size changed in the layer did not show");
    });

    [Fact]
    public void AnOpaqueMarkOrAWhiteoutMadeInTheUpperDirHidesTheLowers() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.True(File.Exists(dir["overlay/d/low"]));
        Assert.True(File.Exists(dir["overlay/hello"]));

        dir.Make("upper/d");
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, dir["upper/d"], OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.True(fd >= 0);
        Assert.Equal(0, Posix.Posix.SetXattr(fd, "trusted.overlay.opaque"u8, "y"u8));
        Posix.Posix.Close(fd);
        Assert.True(Bounded.Eventually(() => !File.Exists(dir["overlay/d/low"])), "an opaque mark set in the upper dir did not hide the lower entries");

        Assert.Equal(0, Posix.Posix.MknodAt(OpenFlags.AT_FDCWD, System.Text.Encoding.UTF8.GetBytes(dir["upper/hello"]), FileType.S_IFCHR, 0));
        Assert.True(Bounded.Eventually(() => !File.Exists(dir["overlay/hello"])), "a whiteout made in the upper dir did not hide the lower file");
    });

    [Fact]
    public void AnOciWhiteoutInAHigherLowerHidesTheName() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.True(File.Exists(dir["overlay/d/low"]));
        File.WriteAllBytes(dir["l1/d/.wh.low"], []);
        Assert.True(Bounded.Eventually(() => !File.Exists(dir["overlay/d/low"])), "a .wh. whiteout in l1 did not hide l0's file");
    });

    [Fact]
    public void AListingTheKernelCachedShowsNamesAddedOrRemovedInALayer() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        static string[] Names(string path) => Directory.GetFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(["high", "low"], Names(dir["overlay/d"]));
        Assert.Equal(["high", "low"], Names(dir["overlay/d"]));
        File.WriteAllText(dir["l0/d/added"], "added\n");
        string Listed() => string.Join(" ", Names(dir["overlay/d"]));
        Assert.True(Bounded.Eventually(() => Names(dir["overlay/d"]).SequenceEqual(["added", "high", "low"])), $"a name added in a lower layer did not show in the listing: {Listed()}");
        File.Delete(dir["l1/d/high"]);
        Assert.True(Bounded.Eventually(() => Names(dir["overlay/d"]).SequenceEqual(["added", "low"])), $"a name removed from a lower layer still shows in the listing: {Listed()}");
        // A dir appearing in the upper layer with an opaque mark changes the whole merge.
        dir.Make("upper/d");
        File.WriteAllText(dir["upper/d/top"], "top\n");
        Assert.True(Bounded.Eventually(() => Names(dir["overlay/d"]).SequenceEqual(["added", "low", "top"])), $"a dir added in the upper layer did not join the merge: {Listed()}, 'overlay/d/top' {(File.Exists(dir["overlay/d/top"]) ? "exists" : "is missing")}");
    });

    [Fact]
    public void ADirListedBeforeIsListedAgainWithoutARequest() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        Assert.Equal(2, Directory.GetFileSystemEntries(dir["overlay/d"]).Length);
        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        for (int i = 0; i < 100; i++)
            Assert.Equal(2, Directory.GetFileSystemEntries(dir["overlay/d"]).Length);
        long requests = StrataCommand.RequestsHandled(dir["overlay"]) - before;
        // The kernel opens the dir itself (no OPENDIR, no RELEASEDIR) and lists it from its cache.
        Assert.True(requests < 10, $"{requests} requests for 100 listings of a dir listed before");
    });

    [Fact]
    public void ReadersTakingTurnsOnOneDirEachSeeEveryNameOnce() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        dir.Make("l0/big");
        dir.Make("l1/big");
        for (int i = 0; i < 1500; i++)
            File.WriteAllText(dir[$"l{i % 2}/big/entry-with-a-longish-name-{i}"], "x");
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        string[] expected = Enumerable.Range(0, 1500).Select(i => $"entry-with-a-longish-name-{i}").Order(StringComparer.Ordinal).ToArray();
        // Never listed yet, so the server answers every page. Small getdents buffers, so that each reader's pages
        // come in many requests: the first reader stops after a few, a second one starts at offset 0 and reads all,
        // the first goes on from where it was, then starts over.
        int first = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, dir["overlay/big"], OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        int second = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, dir["overlay/big"], OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.True(first >= 0 && second >= 0, "could not open the merged dir");
        try
        {
            var firstNames = new List<string>();
            var firstReader = new DirectoryEnumerator(first, new byte[600]);
            while (firstNames.Count < 100 && firstReader.MoveNext())
                firstNames.Add(Encoding.UTF8.GetString(firstReader.Name));
            Assert.Equal(expected, ReadNames(second));
            while (firstReader.MoveNext())
                firstNames.Add(Encoding.UTF8.GetString(firstReader.Name));
            Assert.Equal(0, firstReader.Error);
            Assert.Equal(expected, firstNames.Order(StringComparer.Ordinal));
            Assert.Equal(0, DirectoryEnumerator.Rewind(first));
            Assert.Equal(expected, ReadNames(first));
        }
        finally
        {
            Posix.Posix.Close(first);
            Posix.Posix.Close(second);
        }
    });

    /// <summary>The names of the dir from the fd's offset on, sorted, read with a small buffer.</summary>
    private static string[] ReadNames(int fd)
    {
        var names = new List<string>();
        var entries = new DirectoryEnumerator(fd, new byte[600]);
        while (entries.MoveNext())
            names.Add(Encoding.UTF8.GetString(entries.Name));
        Assert.Equal(0, entries.Error);
        return names.Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void LongListingsCarryTheAttributesOfEveryEntry() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        for (int i = 0; i < 300; i++)
            File.WriteAllText(dir[$"l0/d/f{i}"], new string('x', i));
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        // Enumerating with attributes is what READDIRPLUS answers; every size must be the layer file's.
        foreach (FileInfo f in new DirectoryInfo(dir["overlay/d"]).EnumerateFiles("f*"))
            Assert.Equal(int.Parse(f.Name[1..], System.Globalization.CultureInfo.InvariantCulture), f.Length);
        Assert.Equal(302, Directory.GetFileSystemEntries(dir["overlay/d"]).Length);
    });

    [Fact]
    public void AWalkThatReadsOnlyNamesLeavesTheAttributesOfFilesUnread() => Bounded.Run(() =>
    {
        using TempDir dir = Tree();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        // The first listing of a thread has attributes (one ls -l); after a second one whose names it did not
        // look up, the thread's listings have names only (a find): a later stat of those files is a LOOKUP each.
        OnNewThread(() =>
        {
            for (int d = 0; d < Dirs; d++)
                Assert.Equal(FilesPerDir, Directory.GetFileSystemEntries(dir[$"overlay/tree/d{d}"]).Length);
        });
        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        OnNewThread(() => StatFiles(dir, first: 0, count: 1));
        long firstListing = StrataCommand.RequestsHandled(dir["overlay"]) - before;
        before += firstListing;
        OnNewThread(() => StatFiles(dir, first: 2, count: Dirs - 2));
        long namesOnly = StrataCommand.RequestsHandled(dir["overlay"]) - before;
        Assert.True(firstListing < 10, $"{firstListing} requests to stat the {FilesPerDir} files of the first dir listed");
        Assert.True(namesOnly >= (Dirs - 2) * FilesPerDir, $"{namesOnly} requests to stat {(Dirs - 2) * FilesPerDir} files listed by names only");
    });

    [Fact]
    public void AWalkThatLooksAtWhatItListsGetsTheAttributes() => Bounded.Run(() =>
    {
        using TempDir dir = Tree();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        long before = StrataCommand.RequestsHandled(dir["overlay"]);
        OnNewThread(() =>
        {
            for (int d = 0; d < Dirs; d++)
            {
                foreach (string entry in Directory.GetFileSystemEntries(dir[$"overlay/tree/d{d}"]))
                    Assert.Equal(0, Posix.Posix.Stat(entry, out _));
            }
        });
        long requests = StrataCommand.RequestsHandled(dir["overlay"]) - before;
        // The second dir's names are looked up one by one (a LOOKUP each), the others come with the listing: a
        // few requests per dir (its pages) and the one dir's LOOKUPs; never one per file.
        Assert.True(requests < FilesPerDir + Dirs * 8, $"{requests} requests to list and stat {Dirs * FilesPerDir} files");
    });

    private const int Dirs = 10;
    private const int FilesPerDir = 40;

    private static TempDir Tree()
    {
        TempDir dir = Layout();
        for (int d = 0; d < Dirs; d++)
        {
            dir.Make($"l0/tree/d{d}");
            for (int f = 0; f < FilesPerDir; f++)
                File.WriteAllText(dir[$"l0/tree/d{d}/f{f}"], "x");
        }
        return dir;
    }

    private static void StatFiles(TempDir dir, int first, int count)
    {
        for (int d = first; d < first + count; d++)
            for (int f = 0; f < FilesPerDir; f++)
                Assert.Equal(0, Posix.Posix.Stat(dir[$"overlay/tree/d{d}/f{f}"], out _));
    }

    /// <summary>Runs on a thread of its own: the server tells callers apart by thread, and a pool thread has a past.</summary>
    private static void OnNewThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the walk did not finish within 60 s");
        if (failure is not null)
            throw new InvalidOperationException("the walk failed", failure);
    }

    [Fact]
    public void TheWatcherReadsABurstOfChangesAMomentsWorthAtATime() => Bounded.Run(() =>
    {
        using TempDir dir = Layout();
        using var mount = StrataMount.Mount(Options, dir["overlay"], dir.Path);
        dir.Make("overlay/burst");
        var window = Stopwatch.StartNew();
        ProcessResult before = StrataCommand.Run("stats", dir["overlay"]);
        for (int i = 0; i < 2000; i++)
            File.WriteAllBytes(dir[$"overlay/burst/f{i}"], [1]);
        ProcessResult after = StrataCommand.Run("stats", dir["overlay"]);
        window.Stop();
        long events = StatsOutput.Counter(after, "layer watcher events") - StatsOutput.Counter(before, "layer watcher events");
        long reads = StatsOutput.Counter(after, "layer watcher reads") - StatsOutput.Counter(before, "layer watcher reads");
        // Every create made in the watched upper dir is an event; the watcher pauses a millisecond after each
        // read, so however fast they come it cannot have read more often than the window had milliseconds.
        Assert.True(events >= 2000, $"{events} events read for 2000 files created in a watched dir");
        Assert.True(reads <= window.Elapsed.TotalMilliseconds + 1, $"{reads} reads for {events} events in {window.Elapsed.TotalMilliseconds:0} ms");
    });
}
