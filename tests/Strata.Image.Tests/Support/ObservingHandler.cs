namespace Strata.Image.Tests.Support;

/// <summary>
/// A real HTTP handler with a hand in each blob download: it records which blobs were asked for and how many
/// bodies were being read at once, and can slow the bodies down, hold one at a byte offset until a condition
/// holds, or cut it off there.
/// </summary>
public sealed class ObservingHandler : DelegatingHandler
{
    private readonly Lock _gate = new();
    private int _open;

    public ObservingHandler()
        : base(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
    }

    /// <summary>Bytes a body read may return at most, and the pause before each (to make transfers overlap).</summary>
    public int ChunkBytes { get; init; } = 1 << 16;

    public TimeSpan ReadDelay { get; init; } = TimeSpan.Zero;

    /// <summary>For one blob: the offset at which its body waits, once, for the hold to return.</summary>
    public (Digest Blob, long Offset, Func<Task> Hold)? HoldAt { get; init; }

    /// <summary>For one blob: the offset at which its body fails, every time.</summary>
    public (Digest Blob, long Offset)? FailAt { get; init; }

    public List<Digest> Requested { get; } = [];

    public int MaxOpen { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string path = request.RequestUri!.AbsolutePath;
        int at = path.IndexOf("/blobs/", StringComparison.Ordinal);
        if (at < 0 || !response.IsSuccessStatusCode || !Digest.TryParse(path[(at + "/blobs/".Length)..], out Digest blob))
            return response;
        lock (_gate)
        {
            Requested.Add(blob);
            MaxOpen = Math.Max(MaxOpen, ++_open);
        }
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var content = new StreamContent(new ObservedStream(this, blob, body));
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Content.Headers)
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = content;
        return response;
    }

    private void Closed()
    {
        lock (_gate)
            _open--;
    }

    private sealed class ObservedStream(ObservingHandler owner, Digest blob, Stream inner) : Strata.Image.ReadOnlyStream
    {
        private bool _held;
        private long _read;
        private bool _closed;

        protected override long BytesSoFar => _read;

        public override int Read(Span<byte> buffer)
        {
            byte[] chunk = new byte[buffer.Length];
            int n = ReadAsync(chunk.AsMemory()).AsTask().GetAwaiter().GetResult();
            chunk.AsSpan(0, n).CopyTo(buffer);
            return n;
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            await ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (owner.ReadDelay > TimeSpan.Zero)
                await Task.Delay(owner.ReadDelay, cancellationToken).ConfigureAwait(false);
            int limit = Math.Min(buffer.Length, owner.ChunkBytes);
            if (owner.HoldAt is { } hold && hold.Blob == blob && !_held)
            {
                if (_read >= hold.Offset)
                {
                    _held = true;
                    await hold.Hold().ConfigureAwait(false);
                }
                else
                {
                    limit = (int)Math.Min(limit, hold.Offset - _read);
                }
            }
            if (owner.FailAt is { } fail && fail.Blob == blob)
            {
                if (_read >= fail.Offset)
                    throw new IOException("the test cut the connection");
                limit = (int)Math.Min(limit, fail.Offset - _read);
            }
            int n = await inner.ReadAsync(buffer[..limit], cancellationToken).ConfigureAwait(false);
            _read += n;
            if (n == 0)
                MarkClosed();
            return n;
        }

        private void MarkClosed()
        {
            if (!_closed)
            {
                _closed = true;
                owner.Closed();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                MarkClosed();
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
