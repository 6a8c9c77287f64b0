using Strata.Posix;

namespace Strata.Testing;

/// <summary>
/// Someone a test acts as: uid, primary gid and supplementary groups. <see cref="Run{T}"/> takes on the identity
/// (and a umask) on the calling thread alone, so that mounts served by this process (FUSE readers) and the
/// kernel's permission checks see a real non-root caller while the rest of the test stays root.
/// </summary>
public sealed record TestUser(string Name, uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    public static readonly TestUser Root = new("root", 0, 0, [0]);

    public bool IsRoot => Uid == 0;

    /// <summary>
    /// Runs <paramref name="body"/> on this thread as the user with the umask, then turns the thread back into
    /// root. Use a thread of your own: the thread keeps a umask of its own (unshared filesystem attributes) after.
    /// The saved uid stays 0 meanwhile, which gives no rights (the effective capabilities are gone) but lets the
    /// thread become root again.
    /// </summary>
    public T Run<T>(uint umask, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Check(Posix.Posix.UnshareFilesystemAttributes(), "unshare(CLONE_FS)");
        uint oldUmask = Posix.Posix.SetUmask(umask);
        if (IsRoot)
        {
            try
            {
                return body();
            }
            finally
            {
                Posix.Posix.SetUmask(oldUmask);
            }
        }
        uint[] oldGroups = Posix.Posix.GetGroups();
        Check(Posix.Posix.SetThreadGroups([.. Groups]), "setgroups");
        Check(Posix.Posix.SetThreadGids(Gid, Gid, 0), "setresgid");
        Check(Posix.Posix.SetThreadUids(Uid, Uid, 0), "setresuid");
        try
        {
            return body();
        }
        finally
        {
            // Back to root before anything else: the other calls need its capabilities.
            Check(Posix.Posix.SetThreadUids(0, 0, 0), "setresuid back to root");
            Check(Posix.Posix.SetThreadGids(0, 0, 0), "setresgid back to root");
            Check(Posix.Posix.SetThreadGroups(oldGroups), "setgroups back");
            Posix.Posix.SetUmask(oldUmask);
        }
    }

    /// <summary>What setpriv(1) would run the command as, for a script a person can replay.</summary>
    public string Shell(uint umask, string command) =>
        IsRoot ? $"(umask {Convert.ToString(umask, 8)}; {command})"
            : $"setpriv --reuid={Uid} --regid={Gid} --groups={string.Join(',', Groups)} sh -c 'umask {Convert.ToString(umask, 8)}; {command}'";

    private static void Check(int rc, string what)
    {
        if (rc < 0)
            throw new InvalidOperationException($"{what} on the test thread failed: {Errno.Describe(rc)}");
    }

    public override string ToString() => Name;
}
