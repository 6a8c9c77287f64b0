namespace Strata.Image;

/// <summary>
/// The members a forward-only, read-only wrapper stream must have and that all say "no" (seek, write, length),
/// so that each wrapper (hashing, guarding, timing out) holds only its own reading.
/// </summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesSoFar;
        set => throw new NotSupportedException();
    }

    /// <summary>What <see cref="Position"/> reports: the bytes read through the wrapper so far.</summary>
    protected abstract long BytesSoFar { get; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Each wrapper reads here (Stream's own would call back into the array overload, for ever).</summary>
    public abstract override int Read(Span<byte> buffer);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
