using Strata.Posix;

namespace Strata.Fuse;

/// <summary>
/// What a FUSE filesystem does, by node id. The server calls these from several reader threads at once, so an
/// implementation must be thread-safe. Each returns 0 or a negative errno; whatever is not overridden answers
/// ENOSYS, which makes the kernel stop sending that request for good (or use its fallback). Names are UTF-8
/// bytes without the NUL. The <c>ref</c> out-structures point into the reply buffer and start zeroed.
/// </summary>
public abstract class FuseFileSystem
{
    /// <summary>Called once, when INIT is answered.</summary>
    public virtual void Init(FuseConnectionInfo info) { }

    /// <summary>Called once, when the session ends (DESTROY or the kernel closing the connection).</summary>
    public virtual void Destroy() { }

    public virtual int Lookup(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ref FuseEntryOut entry) => -Errno.ENOSYS;

    /// <summary>The kernel drops <paramref name="nlookup"/> of the lookups it holds on the node. Never answered.</summary>
    public virtual void Forget(ulong nodeId, ulong nlookup) { }

    /// <summary><paramref name="fh"/> is set when the kernel asks about an open file.</summary>
    public virtual int GetAttr(in FuseRequestContext ctx, ulong nodeId, ulong? fh, ref FuseAttrOut attr) => -Errno.ENOSYS;

    public virtual int SetAttr(in FuseRequestContext ctx, ulong nodeId, in FuseSetAttrIn input, ref FuseAttrOut attr) => -Errno.ENOSYS;

    /// <summary>Writes the target (no NUL) into <paramref name="target"/>.</summary>
    public virtual int ReadLink(in FuseRequestContext ctx, ulong nodeId, Span<byte> target, out int length)
    {
        length = 0;
        return -Errno.ENOSYS;
    }

    public virtual int MkNod(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint rdev, uint umask, ref FuseEntryOut entry) => -Errno.ENOSYS;

    public virtual int MkDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, uint mode, uint umask, ref FuseEntryOut entry) => -Errno.ENOSYS;

    public virtual int Unlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) => -Errno.ENOSYS;

    public virtual int RmDir(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name) => -Errno.ENOSYS;

    public virtual int Symlink(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, ref FuseEntryOut entry) => -Errno.ENOSYS;

    /// <summary>RENAME (flags 0) and RENAME2 (RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT) both land here.</summary>
    public virtual int Rename(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags) => -Errno.ENOSYS;

    public virtual int Link(in FuseRequestContext ctx, ulong nodeId, ulong newParent, ReadOnlySpan<byte> newName, ref FuseEntryOut entry) => -Errno.ENOSYS;

    public virtual int Open(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open) => -Errno.ENOSYS;

    /// <summary>
    /// <paramref name="buffer"/> is the reply buffer right after the out-header, as long as the kernel asked
    /// for: what is read into it goes to the kernel without a copy. Fewer bytes than asked means end of file.
    /// </summary>
    public virtual int Read(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, Span<byte> buffer, out int bytesRead)
    {
        bytesRead = 0;
        return -Errno.ENOSYS;
    }

    /// <summary><paramref name="writeFlags"/> are FUSE_WRITE_* bits (see <see cref="FuseProtocol"/>).</summary>
    public virtual int Write(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ReadOnlySpan<byte> data, uint writeFlags, out int bytesWritten)
    {
        bytesWritten = 0;
        return -Errno.ENOSYS;
    }

    public virtual int StatFs(in FuseRequestContext ctx, ulong nodeId, ref FuseKStatfs statfs) => -Errno.ENOSYS;

    /// <summary>Called on every close() of a descriptor (there may be several per open).</summary>
    public virtual int Flush(in FuseRequestContext ctx, ulong nodeId, ulong fh) => -Errno.ENOSYS;

    /// <summary>The last reference to an open file is gone; the result is not seen by anyone.</summary>
    public virtual int Release(in FuseRequestContext ctx, ulong nodeId, ulong fh, int flags) => -Errno.ENOSYS;

    public virtual int Fsync(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) => -Errno.ENOSYS;

    public virtual int SetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags) => -Errno.ENOSYS;

    /// <summary>
    /// An empty <paramref name="value"/> is a size query: set <paramref name="size"/> only. Otherwise a value
    /// longer than <paramref name="value"/> is -ERANGE.
    /// </summary>
    public virtual int GetXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name, Span<byte> value, out int size)
    {
        size = 0;
        return -Errno.ENOSYS;
    }

    /// <summary>NUL-terminated names one after another; same size-query rule as <see cref="GetXattr"/>.</summary>
    public virtual int ListXattr(in FuseRequestContext ctx, ulong nodeId, Span<byte> list, out int size)
    {
        size = 0;
        return -Errno.ENOSYS;
    }

    public virtual int RemoveXattr(in FuseRequestContext ctx, ulong nodeId, ReadOnlySpan<byte> name) => -Errno.ENOSYS;

    public virtual int OpenDir(in FuseRequestContext ctx, ulong nodeId, int flags, ref FuseOpenOut open) => -Errno.ENOSYS;

    /// <summary>Fill <paramref name="writer"/> from <paramref name="offset"/> (0 = start) until it refuses; nothing = end.</summary>
    public virtual int ReadDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer) => -Errno.ENOSYS;

    /// <summary>As <see cref="ReadDir"/> with <see cref="DirentWriter.TryAddPlus"/>; each entry with a node id is a lookup.</summary>
    public virtual int ReadDirPlus(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, ref DirentWriter writer) => -Errno.ENOSYS;

    public virtual int ReleaseDir(in FuseRequestContext ctx, ulong nodeId, ulong fh) => -Errno.ENOSYS;

    public virtual int FsyncDir(in FuseRequestContext ctx, ulong nodeId, ulong fh, bool dataOnly) => -Errno.ENOSYS;

    /// <summary>Not sent with default_permissions, except for chdir-like checks on some kernels.</summary>
    public virtual int Access(in FuseRequestContext ctx, ulong nodeId, int mask) => -Errno.ENOSYS;

    /// <summary>Atomic create-and-open; on ENOSYS the kernel falls back to MKNOD + OPEN.</summary>
    public virtual int Create(in FuseRequestContext ctx, ulong parent, ReadOnlySpan<byte> name, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open) => -Errno.ENOSYS;

    /// <summary>
    /// open(O_TMPFILE) in <paramref name="parent"/>: a new regular file without a name, opened as <see cref="Create"/>
    /// opens (the same replies; its entry counts as a lookup); LINK may give it a name later. On ENOSYS the kernel
    /// answers O_TMPFILE with EOPNOTSUPP from then on.
    /// </summary>
    public virtual int TmpFile(in FuseRequestContext ctx, ulong parent, int flags, uint mode, uint umask, ref FuseEntryOut entry, ref FuseOpenOut open) => -Errno.ENOSYS;

    public virtual int Fallocate(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, long length, int mode) => -Errno.ENOSYS;

    /// <summary>SEEK_DATA/SEEK_HOLE (the kernel handles the others itself). Returns the new offset or a negative errno.</summary>
    public virtual long LSeek(in FuseRequestContext ctx, ulong nodeId, ulong fh, long offset, int whence) => -Errno.ENOSYS;

    /// <summary>
    /// copy_file_range from an open file of <paramref name="nodeIn"/> to one of <paramref name="nodeOut"/> (both on
    /// this mount). Returns the bytes copied or a negative errno; EOPNOTSUPP or EXDEV makes the kernel copy by
    /// reading and writing instead.
    /// </summary>
    public virtual long CopyFileRange(in FuseRequestContext ctx, ulong nodeIn, ulong fhIn, long offsetIn, ulong nodeOut, ulong fhOut, long offsetOut, long length, ulong flags) => -Errno.ENOSYS;
}
