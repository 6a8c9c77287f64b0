namespace Strata.Image.Registry;

/// <summary>
/// A response body that may fail in a way worth retrying: a read that gets no byte within the stall timeout,
/// or that fails on the network (reset, cut short), ends with <see cref="BodyReadException"/>, which the
/// client tells apart from an error of whoever consumes the bytes (a full disk is not retried).
/// </summary>
internal sealed class StallGuardStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly TimeSpan _stall;

    public StallGuardStream(Stream inner, TimeSpan stall)
    {
        _inner = inner;
        _stall = stall;
    }

    public long BytesRead { get; private set; }

    protected override long BytesSoFar => BytesRead;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_stall);
        try
        {
            int n = await _inner.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            BytesRead += n;
            return n;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BodyReadException($"no data for {_stall.TotalSeconds:0.#} s after {BytesRead} bytes", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new BodyReadException($"the connection failed after {BytesRead} bytes: {e.Message}", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        byte[] rented = new byte[buffer.Length];
        int n = ReadAsync(rented.AsMemory()).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Reading a response body failed on the network side (stall, reset, cut short).</summary>
internal sealed class BodyReadException : IOException
{
    public BodyReadException()
    {
    }

    public BodyReadException(string message)
        : base(message)
    {
    }

    public BodyReadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
