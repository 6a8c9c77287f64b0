namespace Strata.Mount.Caching;

/// <summary>
/// Whether a READDIRPLUS page carries the attributes of its entries that are not dirs, decided per calling
/// thread from what it did with the last listing it got without them. Attributes cost an inode read per entry
/// in the layer (most of a cold `find` through FUSE, where kernel overlayfs lists a one-layer dir without
/// touching an inode), and they spare a LOOKUP per entry only to a caller that then looks the entries up
/// (`ls -l`, `du`, `rm -rf`, `find -printf %s`). So: a thread's first listing has them (one `ls -l`); later ones
/// have names only until one with names (not only dirs) has been listed so: if the thread then looked up at
/// least a quarter of those names, its listings have attributes from then on, else names only. Dirs always
/// have their attributes (a walk enters them). Only the cost moves: the kernel looks up whatever it was not given, so what a program sees
/// is the same either way.
/// </summary>
public sealed class ListingAttributes
{
    private const int Slots = 64;

    /// <summary>A thread silent this long is taken for a new one (thread ids are reused).</summary>
    private const long ForgetAfterMs = 2000;

    private readonly Caller[] callers = new Caller[Slots];
    private readonly Lock gate = new();

    private enum Verdict : byte
    {
        Unknown,
        Attributes,
        NamesOnly,
    }

    private struct Caller
    {
        public uint Thread;
        public ulong Dir;
        public long LastUse;
        public int Listings;
        public bool NamesOnly;       // the current listing
        public Verdict Verdict;      // from the first informative names-only listing
        public int WithoutAttributes;
        public int LookedUp;
    }

    /// <summary>
    /// Whether the page of <paramref name="dir"/>'s listing asked by <paramref name="thread"/> gives attributes of
    /// entries that are not dirs. Thread 0 (the kernel's own requests) always gets them.
    /// </summary>
    public bool Fill(uint thread, ulong dir)
    {
        if (thread == 0)
            return true;
        long now = Environment.TickCount64;
        lock (gate)
        {
            ref Caller c = ref Find(thread, now);
            if (c.Dir != dir) // node ids start at 1: a fresh caller's 0 is no dir
            {
                // A new listing: the last one, if it left out attributes, tells from the lookups it drew.
                if (c.NamesOnly && c.WithoutAttributes > 0)
                    c.Verdict = c.LookedUp * 4 >= c.WithoutAttributes ? Verdict.Attributes : Verdict.NamesOnly;
                c.Listings++;
                c.Dir = dir;
                c.NamesOnly = c.Listings > 1 && c.Verdict != Verdict.Attributes;
                c.WithoutAttributes = 0;
                c.LookedUp = 0;
            }
            c.LastUse = now;
            return !c.NamesOnly;
        }
    }

    /// <summary>Counts entries of the current listing that went without attributes.</summary>
    public void Unattributed(uint thread, ulong dir, int count)
    {
        if (count == 0)
            return;
        lock (gate)
        {
            ref Caller c = ref Find(thread, Environment.TickCount64);
            if (c.Dir == dir)
                c.WithoutAttributes += count;
        }
    }

    /// <summary>A LOOKUP: counts when it is of a name in the dir this thread last got without attributes.</summary>
    public void LookedUp(uint thread, ulong parent)
    {
        if (thread == 0)
            return;
        ref Caller c = ref callers[(int)(thread % Slots)];
        // Most lookups are of no names-only listing: those pass without the lock (a stale read only miscounts one
        // lookup of a heuristic).
        if (c.Thread != thread || !c.NamesOnly)
            return;
        lock (gate)
        {
            if (c.Thread == thread && c.NamesOnly && c.Dir == parent)
                c.LookedUp++;
        }
    }

    private ref Caller Find(uint thread, long now)
    {
        ref Caller c = ref callers[(int)(thread % Slots)];
        if (c.Thread != thread || now - c.LastUse > ForgetAfterMs)
            c = new Caller { Thread = thread, LastUse = now };
        return ref c;
    }
}
