using Strata.Posix;

namespace Strata.Union.Api;

/// <summary>
/// An open file of a <see cref="LayeredDirectory"/>: reads and writes go to the file's layer file at the stream's
/// position (a file opened for writing was copied up first, as through a mount). A directory opens read-only, as
/// open(2) allows; reading it fails with EISDIR. Not thread-safe, like FileStream.
/// </summary>
public sealed class UnionFileStream : Stream
{
    private readonly UnionFileSystem _union;
    private readonly string _path;
    private readonly ulong _node;
    private readonly ulong _handle;
    private readonly bool _directory;
    private readonly bool _special;
    private readonly bool _canRead;
    private readonly bool _canWrite;
    private long _position;
    private bool _disposed;

    internal UnionFileStream(UnionFileSystem union, string path, ulong node, ulong handle, bool directory, FileAccess access, bool special = false)
    {
        _special = special;
        _union = union;
        _path = path;
        _node = node;
        _handle = handle;
        _directory = directory;
        _canRead = (access & FileAccess.Read) != 0;
        _canWrite = (access & FileAccess.Write) != 0;
    }

    public override bool CanRead => !_disposed && _canRead;

    public override bool CanWrite => !_disposed && _canWrite;

    /// <summary>False for a fifo or device: it is read and written in order, as read(2) and write(2) do.</summary>
    public override bool CanSeek => !_disposed && !_special;

    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            UnionErrors.Check(_union.GetAttr(_node, out StatX st), _path);
            return (long)st.Size;
        }
    }

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        Check(_canRead);
        if (_directory)
            throw UnionErrors.For(Errno.EISDIR, _path);
        int n = UnionErrors.Check(_special ? _union.ReadStream(_handle, buffer) : _union.Read(_handle, _position, buffer), _path);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Writes all of <paramref name="buffer"/> at the position (at the end for a file opened to append).</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check(_canWrite);
        while (!buffer.IsEmpty)
        {
            // An O_APPEND layer file puts every write at its end, whatever the offset.
            int n = UnionErrors.Check(_special ? _union.WriteStream(_handle, buffer) : _union.Write(_handle, _position, buffer), _path);
            if (n == 0)
                throw UnionErrors.For(Errno.EIO, _path);
            _position += n;
            buffer = buffer[n..];
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_special)
            throw UnionErrors.For(Errno.ESPIPE, _path);
        long position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(position, nameof(offset));
        return _position = position;
    }

    /// <summary>ftruncate: the file is cut or extended (with a hole) to <paramref name="value"/> bytes.</summary>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Check(_canWrite);
        var change = new AttrChange { Flags = AttrChangeFlags.Size | AttrChangeFlags.Handle, Size = value, Handle = _handle };
        UnionErrors.Check(_union.SetAttr(LayeredDirectory.ProcessCaller, _node, change, out _), _path);
    }

    /// <summary>Nothing is buffered: every write reached the layer file already.</summary>
    public override void Flush() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>With <paramref name="flushToDisk"/>, fsync of the layer file (nothing on a volatile union).</summary>
    public void Flush(bool flushToDisk)
    {
        Flush();
        if (flushToDisk && !_directory)
            UnionErrors.Check(_union.Fsync(_handle, dataOnly: false), _path);
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_directory)
                _union.Release(_handle);
            _union.Forget(_node, 1);
        }
        base.Dispose(disposing);
    }

    private void Check(bool allowed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!allowed)
            throw new NotSupportedException($"{_path} was not opened for that");
    }
}
