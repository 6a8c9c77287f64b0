using System.Security.Cryptography;

namespace Strata.Image.Unpack;

/// <summary>A read-only pass-through that hashes (sha256) and counts every byte read: the diff id of a layer as it is unpacked.</summary>
public sealed class HashingReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingReadStream(Stream inner)
    {
        _inner = inner;
    }

    public long BytesRead { get; private set; }

    protected override long BytesSoFar => BytesRead;

    /// <summary>Reads what is left (a tar's end padding counts towards the diff id) and returns the digest of everything.</summary>
    public Digest Finish()
    {
        byte[] buffer = new byte[1 << 16];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }
        return Digest.FromHash(_hash.GetHashAndReset());
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        BytesRead += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
