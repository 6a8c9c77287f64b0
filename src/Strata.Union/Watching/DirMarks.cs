using System.Runtime.InteropServices;
using Strata.Posix;
using Strata.Union.Nodes;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Watching;

/// <summary>
/// The fanotify marks on the layer dirs that nodes hold, and the way back from an event's directory identity
/// (fsid + file handle) to those nodes. A dir is marked while at least one node holds it. Not thread-safe:
/// called with the engine's lock held.
/// </summary>
internal sealed class DirMarks : IDirObserver
{
    /// <summary>What a marked dir reports: names created, removed or moved in it, and changes of its entries and of itself.</summary>
    private const ulong Mask = Fanotify.EntryEvents | Fanotify.FAN_ATTRIB | Fanotify.FAN_MODIFY | Fanotify.FAN_CLOSE_WRITE
        | Fanotify.FAN_DELETE_SELF | Fanotify.FAN_MOVE_SELF | Fanotify.FAN_EVENT_ON_CHILD | Fanotify.FAN_ONDIR;

    private readonly Dictionary<byte[], MarkedDir> _byIdentity;
    private readonly Dictionary<byte[], MarkedDir>.AlternateLookup<ReadOnlySpan<byte>> _byIdentityView;
    private readonly Dictionary<int, MarkedDir> _byFd = [];

    /// <summary>False once a dir could not be marked: changes under it would go unseen, so nothing may be cached.</summary>
    public bool Complete { get; private set; } = true;

    private readonly int _group;

    public DirMarks(int group)
    {
        _group = group;
        _byIdentity = new Dictionary<byte[], MarkedDir>(IdentityComparer.Instance);
        _byIdentityView = _byIdentity.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The nodes (with the layer of their instance) that hold the dir an event names; empty when none does.</summary>
    public ReadOnlySpan<(Node Node, int Layer)> Holders(ReadOnlySpan<byte> identity) =>
        _byIdentityView.TryGetValue(identity, out MarkedDir? dir) ? CollectionsMarshal.AsSpan(dir.Holders) : [];

    public void Added(Node node, DirInstance dir)
    {
        Span<byte> buffer = stackalloc byte[16 + Fanotify.MaxHandleSize];
        int length = Sys.FileIdentity(dir.Fd, buffer);
        if (length < 0)
        {
            Complete = false;
            return;
        }
        ReadOnlySpan<byte> identity = buffer[..length];
        if (!_byIdentityView.TryGetValue(identity, out MarkedDir? marked))
        {
            if (Sys.FanotifyMark(_group, Fanotify.FAN_MARK_ADD | Fanotify.FAN_MARK_ONLYDIR, Mask, dir.Fd) < 0)
            {
                Complete = false;
                return;
            }
            marked = new MarkedDir(identity.ToArray());
            _byIdentity.Add(marked.Identity, marked);
        }
        marked.Holders.Add((node, dir.Layer));
        _byFd[dir.Fd] = marked;
    }

    public void Removed(Node node, DirInstance dir)
    {
        if (!_byFd.Remove(dir.Fd, out MarkedDir? marked))
            return;
        marked.Holders.Remove((node, dir.Layer));
        if (marked.Holders.Count > 0)
            return;
        _byIdentity.Remove(marked.Identity);
        Sys.FanotifyMark(_group, Fanotify.FAN_MARK_REMOVE | Fanotify.FAN_MARK_ONLYDIR, Mask, dir.Fd);
    }

    private sealed class MarkedDir(byte[] identity)
    {
        public byte[] Identity { get; } = identity;

        public List<(Node Node, int Layer)> Holders { get; } = new(1);
    }

    /// <summary>Compares identities by their bytes, over arrays or spans.</summary>
    private sealed class IdentityComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly IdentityComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var h = new HashCode();
            h.AddBytes(bytes);
            return h.ToHashCode();
        }
    }
}
