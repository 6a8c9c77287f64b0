namespace Strata.Reliability.Tests.Fsx;

/// <summary>What the file must hold: the bytes every step should have left, applied by the rules of each call.</summary>
public sealed class FsxModel
{
    private readonly byte[] _data;

    public FsxModel(byte[] initial, int capacity)
    {
        _data = new byte[Math.Max(capacity, initial.Length)];
        initial.CopyTo(_data, 0);
        Length = initial.Length;
    }

    public long Length { get; private set; }

    public ReadOnlySpan<byte> Bytes => _data.AsSpan(0, (int)Length);

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        data.CopyTo(_data.AsSpan((int)offset));
        Length = Math.Max(Length, offset + data.Length);
    }

    public void Truncate(long length)
    {
        if (length < Length)
            _data.AsSpan((int)length, (int)(Length - length)).Clear();
        Length = length;
    }

    /// <summary>Zeroes a range (punch hole, zero range); with <paramref name="keepSize"/> only within the current length.</summary>
    public void Zero(long offset, long length, bool keepSize)
    {
        long end = keepSize ? Math.Min(offset + length, Length) : offset + length;
        if (end > offset)
            _data.AsSpan((int)offset, (int)(end - offset)).Clear();
        if (!keepSize)
            Length = Math.Max(Length, offset + length);
    }

    /// <summary>Plain fallocate: the range reads as it did (zeros past the end), and the file grows to cover it.</summary>
    public void Allocate(long offset, long length) => Length = Math.Max(Length, offset + length);

    /// <summary>copy_file_range: stops at the source's end; the caller keeps the two ranges apart.</summary>
    public long Copy(long source, long target, long length)
    {
        long n = Math.Max(0, Math.Min(length, Length - source));
        _data.AsSpan((int)source, (int)n).CopyTo(_data.AsSpan((int)target));
        if (n > 0)
            Length = Math.Max(Length, target + n);
        return n;
    }
}
