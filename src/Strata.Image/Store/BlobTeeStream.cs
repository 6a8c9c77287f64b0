using System.Security.Cryptography;

namespace Strata.Image.Store;

/// <summary>
/// A blob read once for two purposes: every byte the reader (the decompressor) takes from the source is also
/// written to the blob's temp file, hashed and counted. A source that sends more than the promised size is
/// stopped at once; <see cref="Finish"/> reads what the reader left (a compressed stream's trailer) and checks
/// size and digest.
/// </summary>
public sealed class BlobTeeStream : ReadOnlyStream
{
    private readonly Stream _source;
    private readonly FileStream _copy;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Digest _digest;
    private readonly long _size;
    private readonly string _what;
    private readonly Action<long> _onBytes;
    private readonly CancellationToken _cancel;
    private long _read;

    public BlobTeeStream(Stream source, FileStream copy, Digest digest, long size, string what, Action<long> onBytes, CancellationToken cancel)
    {
        _source = source;
        _copy = copy;
        _digest = digest;
        _size = size;
        _what = what;
        _onBytes = onBytes;
        _cancel = cancel;
    }

    protected override long BytesSoFar => _read;

    public override int Read(Span<byte> buffer)
    {
        _cancel.ThrowIfCancellationRequested();
        int n = _source.Read(buffer);
        if (n == 0)
            return 0;
        _read += n;
        // Stop a source that streams forever as soon as it passes the promised size.
        if (_read > _size)
            throw new BlobVerificationException($"{_what} {_digest}: the source sent more than the {_size} bytes the manifest gives");
        _hash.AppendData(buffer[..n]);
        _copy.Write(buffer[..n]);
        _onBytes(_read);
        return n;
    }

    /// <summary>Reads the rest of the source, then checks that it was the blob promised, whole.</summary>
    public void Finish()
    {
        byte[] rest = new byte[1 << 16];
        while (Read(rest, 0, rest.Length) > 0)
        {
        }
        _copy.Flush(flushToDisk: true);
        if (_read != _size)
            throw new BlobVerificationException($"{_what} {_digest}: got {_read} bytes, the manifest gives {_size}");
        Digest actual = Digest.FromHash(_hash.GetHashAndReset());
        if (actual != _digest)
            throw new BlobVerificationException($"{_what} {_digest}: content has digest {actual}; the blob is corrupt or was tampered with");
    }

    /// <summary>
    /// After the reader failed: whether the blob itself is at fault (it is not what the manifest promised),
    /// which then is the error to report rather than what the decompressor or tar reader made of it.
    /// </summary>
    public BlobVerificationException? CheckAfterFailure()
    {
        try
        {
            Finish();
            return null;
        }
        catch (BlobVerificationException e)
        {
            return e;
        }
        catch (IOException)
        {
            return null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _hash.Dispose();
        base.Dispose(disposing);
    }
}
