using System.Text;
using Strata.Posix;

namespace Strata.Fuse.Tests;

/// <summary>
/// A small in-memory filesystem for the mount tests. One lock guards everything: it is a test double, not a
/// performance subject. Handles are unused (fh 0); lookup counts are only tallied.
/// </summary>
internal sealed class MemoryFileSystem : FuseFileSystem
{
    private const int XattrCreate = 1;
    private const int XattrReplace = 2;

    private readonly object gate = new();
    private readonly Dictionary<ulong, Node> nodes = [];
    private ulong nextIno = FuseProtocol.RootId + 1;
    private long forgets;
    private int largestWrite;
    private int readDirPlusCalls;
    private int destroyCalls;

    public MemoryFileSystem()
    {
        var root = new Node(FuseProtocol.RootId, FileType.S_IFDIR | 0x1FF /* 0777 */) { NLink = 2, Children = [] };
        nodes[root.Ino] = root;
    }

    /// <summary>A name whose lookup throws, to show the server answers EIO and survives.</summary>
    public static readonly string ThrowingName = "boom";

    public FuseConnectionInfo? Info { get; private set; }

    public int DestroyCalls => Volatile.Read(ref destroyCalls);

    public long Forgets => Interlocked.Read(ref forgets);

    public int LargestWrite => Volatile.Read(ref largestWrite);

    public int ReadDirPlusCalls => Volatile.Read(ref readDirPlusCalls);

    public override void Init(FuseConnectionInfo info) => Info = info;

    public override void Destroy() => Interlocked.Increment(ref destroyCalls);

    public override void Forget(ulong nodeId, ulong nlookup) => Interlocked.Add(ref forgets, (long)nlookup);

    public override int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry)
    {
        string key = Encoding.UTF8.GetString(name);
        if (key == ThrowingName)
            throw new InvalidOperationException("test filesystem failure");
        lock (gate)
        {
            if (!TryGetDir(parent, out Node? dir, out int err))
                return err;
            if (!dir.Children!.TryGetValue(key, out ulong ino))
                return -Errno.ENOENT;
            Fill(nodes[ino], ref entry);
            return 0;
        }
    }

    public override int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr)
    {
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            attr.AttrValid = 1;
            Fill(node, ref attr.Attr);
            return 0;
        }
    }

    public override int SetAttr(in FuseRequestContext ctx, ulong nodeId, in FuseSetAttrIn input, ref FuseAttrOut attr)
    {
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            FuseSetAttrValid valid = input.Valid;
            if ((valid & FuseSetAttrValid.Mode) != 0)
                node.Mode = (node.Mode & FileType.S_IFMT) | (input.Mode & FileType.PermissionBits);
            if ((valid & FuseSetAttrValid.Uid) != 0)
                node.Uid = input.Uid;
            if ((valid & FuseSetAttrValid.Gid) != 0)
                node.Gid = input.Gid;
            if ((valid & FuseSetAttrValid.Size) != 0)
            {
                if (node.Children is not null)
                    return -Errno.EISDIR;
                node.Resize((long)input.Size);
                node.Touch();
            }
            if ((valid & FuseSetAttrValid.MTimeNow) != 0)
                node.Touch();
            else if ((valid & FuseSetAttrValid.MTime) != 0)
                (node.MTime, node.MTimeNsec) = (input.MTime, input.MTimeNsec);
            attr.AttrValid = 1;
            Fill(node, ref attr.Attr);
            return 0;
        }
    }

    public override int ReadLink(in FuseRequestContext ctx, ulong nodeId, Span<byte> target, out int length)
    {
        lock (gate)
        {
            length = 0;
            if (!nodes.TryGetValue(nodeId, out Node? node) || node.Target is null)
                return -Errno.EINVAL;
            if (node.Target.Length > target.Length)
                return -Errno.ENAMETOOLONG;
            node.Target.CopyTo(target);
            length = node.Target.Length;
            return 0;
        }
    }

    public override int MkNod(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, uint umask, ref FuseEntryOut entry)
    {
        if ((mode & FileType.S_IFMT) is not (FileType.S_IFREG or FileType.S_IFIFO))
            return -Errno.EPERM;
        return AddNode(in ctx, parent, name, new Node(0, mode & ~umask), ref entry);
    }

    public override int MkDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint umask, ref FuseEntryOut entry) =>
        AddNode(in ctx, parent, name, new Node(0, FileType.S_IFDIR | (mode & ~umask & FileType.PermissionBits)) { NLink = 2, Children = [] }, ref entry);

    public override int Symlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, ref FuseEntryOut entry) =>
        AddNode(in ctx, parent, name, new Node(0, FileType.S_IFLNK | 0x1FF /* 0777 */) { Target = target.ToArray() }, ref entry);

    public override int Create(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open) =>
        AddNode(in ctx, parent, name, new Node(0, FileType.S_IFREG | (mode & ~umask & FileType.PermissionBits)), ref entry);

    /// <summary>A file in no dir, with no link, until LINK gives it one.</summary>
    public override int TmpFile(in FuseRequestContext ctx, ulong parent, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open)
    {
        lock (gate)
        {
            if (!TryGetDir(parent, out _, out int err))
                return err;
            var node = new Node(nextIno++, FileType.S_IFREG | (mode & ~umask & FileType.PermissionBits)) { NLink = 0, Uid = ctx.Uid, Gid = ctx.Gid };
            nodes[node.Ino] = node;
            Fill(node, ref entry);
            return 0;
        }
    }

    public override int Link(in FuseRequestContext ctx, ulong nodeId, ulong newParent, ReadOnlySpan<byte> newName, ref FuseEntryOut entry)
    {
        string key = Encoding.UTF8.GetString(newName);
        lock (gate)
        {
            if (!TryGetDir(newParent, out Node? dir, out int err))
                return err;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if (dir.Children!.ContainsKey(key))
                return -Errno.EEXIST;
            dir.Children[key] = nodeId;
            node.NLink++;
            Fill(node, ref entry);
            return 0;
        }
    }

    public override int Unlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, directory: false);

    public override int RmDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) => Remove(parent, name, directory: true);

    public override int Rename(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags)
    {
        string from = Encoding.UTF8.GetString(name);
        string to = Encoding.UTF8.GetString(newName);
        lock (gate)
        {
            if (!TryGetDir(parent, out Node? src, out int err) || !TryGetDir(newParent, out Node? dst, out err))
                return err;
            if (!src.Children!.TryGetValue(from, out ulong ino))
                return -Errno.ENOENT;
            bool exists = dst.Children!.TryGetValue(to, out ulong existing);
            if ((flags & OpenFlags.RENAME_EXCHANGE) != 0)
            {
                if (!exists)
                    return -Errno.ENOENT;
                src.Children[from] = existing;
                dst.Children[to] = ino;
                return 0;
            }
            if (exists && (flags & OpenFlags.RENAME_NOREPLACE) != 0)
                return -Errno.EEXIST;
            if (exists)
            {
                Node victim = nodes[existing];
                if (victim.Children is { Count: > 0 })
                    return -Errno.ENOTEMPTY;
                victim.NLink--;
            }
            src.Children.Remove(from);
            dst.Children[to] = ino;
            return 0;
        }
    }

    public override int Open(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open)
    {
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if ((flags & OpenFlags.O_TRUNC) != 0)
                node.Resize(0);
            return 0;
        }
    }

    public override int Read(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, Span<byte> buffer, out int bytesRead)
    {
        lock (gate)
        {
            bytesRead = 0;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if (offset >= node.Size)
                return 0;
            bytesRead = (int)Math.Min(buffer.Length, node.Size - offset);
            node.Data.AsSpan((int)offset, bytesRead).CopyTo(buffer);
            return 0;
        }
    }

    public override int Write(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ReadOnlySpan<byte> data, uint writeFlags, out int bytesWritten)
    {
        lock (gate)
        {
            bytesWritten = 0;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if (offset + data.Length > node.Size)
                node.Resize(offset + data.Length);
            data.CopyTo(node.Data.AsSpan((int)offset));
            node.Touch();
            bytesWritten = data.Length;
            largestWrite = Math.Max(largestWrite, data.Length);
            return 0;
        }
    }

    public override int StatFs(in FuseRequestContext ctx, ulong nodeId, ref FuseKStatfs statfs)
    {
        statfs.BlockSize = 4096;
        statfs.FragmentSize = 4096;
        statfs.Blocks = 1 << 20;
        statfs.BlocksFree = 1 << 19;
        statfs.BlocksAvailable = 1 << 19;
        statfs.Files = 1 << 16;
        statfs.FilesFree = 1 << 15;
        statfs.NameLength = 255;
        return 0;
    }

    public override int Flush(in FuseRequestContext ctx, ulong nodeId, ulong fh) => 0;

    public override int Release(in FuseRequestContext ctx, ulong nodeId, ulong fh, int flags) => 0;

    public override int Fsync(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) => 0;

    public override int OpenDir(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open)
    {
        lock (gate)
            return TryGetDir(nodeId, out _, out int err) ? 0 : err;
    }

    public override int ReleaseDir(in FuseRequestContext ctx, ulong nodeId, ulong fh) => 0;

    public override int FsyncDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) => 0;

    public override int ReadDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer) =>
        ListDirectory(nodeId, offset, ref writer, plus: false);

    public override int ReadDirPlus(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer)
    {
        Interlocked.Increment(ref readDirPlusCalls);
        return ListDirectory(nodeId, offset, ref writer, plus: true);
    }

    public override int Access(in FuseRequestContext ctx, ulong nodeId, int mask) => 0;

    public override int SetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
    {
        string key = Encoding.UTF8.GetString(name);
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            bool exists = node.Xattrs.ContainsKey(key);
            if ((flags & XattrCreate) != 0 && exists)
                return -Errno.EEXIST;
            if ((flags & XattrReplace) != 0 && !exists)
                return -Errno.ENODATA;
            node.Xattrs[key] = value.ToArray();
            return 0;
        }
    }

    public override int GetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int size)
    {
        string key = Encoding.UTF8.GetString(name);
        lock (gate)
        {
            size = 0;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if (!node.Xattrs.TryGetValue(key, out byte[]? data))
                return -Errno.ENODATA;
            size = data.Length;
            if (value.Length == 0)
                return 0;
            if (data.Length > value.Length)
                return -Errno.ERANGE;
            data.CopyTo(value);
            return 0;
        }
    }

    public override int ListXattr(in FuseRequestContext ctx, ulong nodeId, Span<byte> list, out int size)
    {
        lock (gate)
        {
            size = 0;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            foreach (string key in node.Xattrs.Keys)
                size += Encoding.UTF8.GetByteCount(key) + 1;
            if (list.Length == 0)
                return 0;
            if (size > list.Length)
                return -Errno.ERANGE;
            int at = 0;
            foreach (string key in node.Xattrs.Keys)
            {
                at += Encoding.UTF8.GetBytes(key, list[at..]);
                list[at++] = 0;
            }
            return 0;
        }
    }

    public override int RemoveXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name)
    {
        string key = Encoding.UTF8.GetString(name);
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            return node.Xattrs.Remove(key) ? 0 : -Errno.ENODATA;
        }
    }

    public override int Fallocate(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, long length, int mode)
    {
        lock (gate)
        {
            if (mode != 0)
                return -Errno.EOPNOTSUPP;
            if (!nodes.TryGetValue(nodeId, out Node? node))
                return -Errno.ENOENT;
            if (offset + length > node.Size)
                node.Resize(offset + length);
            return 0;
        }
    }

    private int ListDirectory(ulong nodeId, long offset, ref DirentWriter writer, bool plus)
    {
        lock (gate)
        {
            if (!TryGetDir(nodeId, out Node? dir, out int err))
                return err;
            // Offsets are positions in this order: ".", "..", then the names sorted.
            var names = new List<string>(dir.Children!.Keys);
            names.Sort(StringComparer.Ordinal);
            for (long i = offset; i < names.Count + 2; i++)
            {
                string name = i == 0 ? "." : i == 1 ? ".." : names[(int)i - 2];
                Node node = i < 2 ? dir : nodes[dir.Children[name]];
                uint type = (node.Mode & FileType.S_IFMT) >> 12;
                byte[] bytes = Encoding.UTF8.GetBytes(name);
                bool added;
                if (plus)
                {
                    FuseEntryOut entry = default;
                    if (i >= 2)
                        Fill(node, ref entry); // "." and "..": no node id, so the kernel takes no lookup.
                    else
                        entry.Attr.Ino = node.Ino;
                    added = writer.TryAddPlus(in entry, bytes, type, i + 1);
                }
                else
                {
                    added = writer.TryAdd(bytes, node.Ino, type, i + 1);
                }
                if (!added)
                    break;
            }
            return 0;
        }
    }

    private int AddNode(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, Node node, ref FuseEntryOut entry)
    {
        string key = Encoding.UTF8.GetString(name);
        lock (gate)
        {
            if (!TryGetDir(parent, out Node? dir, out int err))
                return err;
            if (dir.Children!.ContainsKey(key))
                return -Errno.EEXIST;
            node.Ino = nextIno++;
            node.Uid = ctx.Uid;
            node.Gid = ctx.Gid;
            nodes[node.Ino] = node;
            dir.Children[key] = node.Ino;
            if (node.Children is not null)
                nodes[parent].NLink++;
            Fill(node, ref entry);
            return 0;
        }
    }

    private int Remove(ulong parent, ReadOnlySpan<byte> name, bool directory)
    {
        string key = Encoding.UTF8.GetString(name);
        lock (gate)
        {
            if (!TryGetDir(parent, out Node? dir, out int err))
                return err;
            if (!dir.Children!.TryGetValue(key, out ulong ino))
                return -Errno.ENOENT;
            Node node = nodes[ino];
            if (directory && node.Children is null)
                return -Errno.ENOTDIR;
            if (!directory && node.Children is not null)
                return -Errno.EISDIR;
            if (node.Children is { Count: > 0 })
                return -Errno.ENOTEMPTY;
            dir.Children.Remove(key);
            node.NLink--;
            if (directory)
                dir.NLink--;
            return 0;
        }
    }

    private bool TryGetDir(ulong ino, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Node? dir, out int err)
    {
        err = 0;
        if (!nodes.TryGetValue(ino, out dir))
        {
            err = -Errno.ENOENT;
            return false;
        }
        if (dir.Children is null)
        {
            err = -Errno.ENOTDIR;
            dir = null;
            return false;
        }
        return true;
    }

    private static void Fill(Node node, ref FuseEntryOut entry)
    {
        entry.NodeId = node.Ino;
        entry.Generation = 1;
        entry.EntryValid = 1;
        entry.AttrValid = 1;
        Fill(node, ref entry.Attr);
    }

    private static void Fill(Node node, ref FuseAttr attr)
    {
        attr.Ino = node.Ino;
        attr.Size = (ulong)(node.Target?.Length ?? node.Size);
        attr.Blocks = (attr.Size + 511) / 512;
        attr.Mode = node.Mode;
        attr.NLink = node.NLink;
        attr.Uid = node.Uid;
        attr.Gid = node.Gid;
        attr.BlkSize = 4096;
        attr.MTime = attr.CTime = attr.ATime = node.MTime;
        attr.MTimeNsec = attr.CTimeNsec = attr.ATimeNsec = node.MTimeNsec;
    }

    private sealed class Node
    {
        public Node(ulong ino, uint mode)
        {
            Ino = ino;
            Mode = mode;
            Touch();
        }

        public ulong Ino { get; set; }

        public uint Mode { get; set; }

        public uint NLink { get; set; } = 1;

        public uint Uid { get; set; }

        public uint Gid { get; set; }

        public ulong MTime { get; set; }

        public uint MTimeNsec { get; set; }

        public byte[] Data { get; private set; } = [];

        public long Size { get; private set; }

        public Dictionary<string, ulong>? Children { get; init; }

        public byte[]? Target { get; init; }

        public Dictionary<string, byte[]> Xattrs { get; } = [];

        public void Resize(long size)
        {
            if (size > Data.Length)
            {
                byte[] grown = new byte[Math.Max(size, Data.Length * 2L)];
                Data.AsSpan(0, (int)Size).CopyTo(grown);
                Data = grown;
            }
            else if (size < Size)
            {
                Data.AsSpan((int)size, (int)(Size - size)).Clear();
            }
            Size = size;
        }

        public void Touch()
        {
            long ns = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            MTime = (ulong)(ns / 1_000_000_000);
            MTimeNsec = (uint)(ns % 1_000_000_000);
        }
    }
}
