using System.Buffers.Binary;
using System.Text;

namespace Strata.Image.Unpack;

/// <summary>
/// Sits between the decompressor and System.Formats.Tar and follows the tar framing as the bytes go by
/// (headers, PAX <c>size</c> overrides, GNU long names and sparse extension blocks), so that every claim is
/// checked against its bound when its header arrives, before its data is decompressed: entry data against
/// the byte budget (and metadata records, separately, against the same), each PAX or GNU long-name record against the header
/// limit (TarReader would read it into memory whole), the header count against the entry budget, and what
/// follows the end marker against the trailer limit. A bomb thus stops at its first header over a bound.
/// A header whose checksum or size field does not parse is refused here: System.Formats.Tar does not check
/// checksums, and a guard that lost the framing could not bound what follows. It also keeps the raw bytes of
/// each entry's PAX xattr records (<see cref="EntryXattrs"/>), which System.Formats.Tar only hands over decoded
/// as UTF-8 text.
/// </summary>
public sealed class TarStreamGuard : ReadOnlyStream
{
    private const int Block = 512;

    private static ReadOnlySpan<byte> XattrPrefix => "SCHILY.xattr."u8;

    private readonly Stream _inner;
    private readonly long _maxBytes;
    private readonly long _maxEntries;
    private readonly int _maxHeaderBytes;
    private readonly long _maxTrailerBytes;
    private readonly byte[] _header = new byte[Block];
    private int _headerFill;
    private long _skip;
    private byte[]? _record;
    private int _recordFill;
    private char _recordType;
    private long? _nextSize;
    private string? _nextName;
    private bool _sparseExtension;
    private long _afterSparse;
    private long _bytes;
    private long _metadataBytes;
    private long _entries;
    private long _offset;
    private long _headerOffset;
    private long _trailer;
    private bool _ended;
    private Dictionary<string, byte[]>? _nextXattrs;

    public TarStreamGuard(Stream inner, long maxBytes, long maxEntries, int maxHeaderBytes, long maxTrailerBytes)
    {
        _inner = inner;
        _maxBytes = maxBytes;
        _maxEntries = maxEntries;
        _maxHeaderBytes = maxHeaderBytes;
        _maxTrailerBytes = maxTrailerBytes;
    }

    /// <summary>Reads to the end of the stream (the trailer after the end marker, bounded) so that the caller's hash covers it.</summary>
    public void Drain()
    {
        byte[] buffer = new byte[1 << 16];
        while (Read(buffer) > 0)
        {
        }
    }

    protected override long BytesSoFar => _offset;

    /// <summary>
    /// The xattrs (SCHILY.xattr.NAME records) of the entry whose header was read last, values byte for byte; null
    /// when it has none. TarReader has read an entry's header, and no further, when it returns the entry, so this
    /// belongs to the entry it just returned. A value decoded as a string would lose every byte that is not UTF-8
    /// (security.capability is binary).
    /// </summary>
    public IReadOnlyDictionary<string, byte[]>? EntryXattrs { get; private set; }

    /// <summary>
    /// An xattr of the PAX block read last whose value holds a newline byte: System.Formats.Tar takes the first
    /// newline as the end of a record and refuses the block, so a failure to read it is explained by this.
    /// </summary>
    public string? XattrWithNewline { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_ended)
            {
                _trailer += data.Length;
                if (_trailer > _maxTrailerBytes)
                    throw new HostileLayerException($"layer tar: more than {_maxTrailerBytes} bytes follow the end marker (a decompression bomb, or not a tar)");
                return;
            }
            int take;
            if (_skip > 0)
            {
                take = (int)Math.Min(_skip, data.Length);
                if (_record is not null && _recordFill < _record.Length)
                {
                    int copy = Math.Min(take, _record.Length - _recordFill);
                    data[..copy].CopyTo(_record.AsSpan(_recordFill));
                    _recordFill += copy;
                    if (_recordFill == _record.Length)
                        FinishRecord();
                }
                _skip -= take;
            }
            else
            {
                if (_headerFill == 0)
                    _headerOffset = _offset;
                take = Math.Min(Block - _headerFill, data.Length);
                data[..take].CopyTo(_header.AsSpan(_headerFill));
                _headerFill += take;
                if (_headerFill == Block)
                {
                    _headerFill = 0;
                    OnHeader();
                }
            }
            _offset += take;
            data = data[take..];
        }
    }

    private void OnHeader()
    {
        if (_sparseExtension)
        {
            // GNU sparse extension blocks sit between the header and the data; the last one has isextended 0.
            if (_header[504] == 0)
            {
                _sparseExtension = false;
                _skip = _afterSparse;
            }
            return;
        }
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            _ended = true;
            return;
        }
        if (!ChecksumMatches())
            throw new ImageException($"layer tar is corrupt: the header at offset {_headerOffset} has a wrong checksum");
        if (!TryParseNumber(_header.AsSpan(124, 12), out long size))
            throw new ImageException($"layer tar is corrupt: the header at offset {_headerOffset} ('{HeaderName()}') has an invalid size field");
        if (++_entries > _maxEntries)
            throw new HostileLayerException($"layer tar: more than {_maxEntries} entries, more than the store's filesystem has inodes for");
        char type = (char)_header[156];
        string name = _nextName ?? HeaderName();
        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > _maxHeaderBytes)
            {
                string kind = type is 'x' or 'g' ? "PAX record block" : "GNU long name";
                throw new HostileLayerException($"layer entry '{name}': its {kind} at offset {_headerOffset} is {size} bytes, more than the {_maxHeaderBytes} bytes a header may take");
            }
            _metadataBytes += size;
            if (_metadataBytes > _maxBytes)
                throw new HostileLayerException($"layer entry '{name}': the layer's headers pass the {_maxBytes} bytes the store can take");
            _record = type is 'x' or 'L' ? new byte[size] : null;
            _recordFill = 0;
            _recordType = type;
            if (_record is { Length: 0 })
                FinishRecord();
        }
        else
        {
            size = _nextSize ?? size;
            _nextSize = null;
            _nextName = null;
            EntryXattrs = _nextXattrs;
            _nextXattrs = null;
            _record = null;
            Charge(size, name);
        }
        long padded = (size + Block - 1) / Block * Block;
        if (type == 'S' && _header[482] != 0)
        {
            _sparseExtension = true;
            _afterSparse = padded;
            return;
        }
        _skip = padded;
    }

    private void Charge(long size, string name)
    {
        _bytes += size;
        if (size > _maxBytes || _bytes > _maxBytes)
            throw new HostileLayerException($"layer entry '{name}': {size} bytes bring the layer past the {_maxBytes} bytes the store can take (a decompression bomb, or a layer too big for the free space)");
    }

    /// <summary>A PAX block may change the next entry's size and name; a GNU long name changes its name.</summary>
    private void FinishRecord()
    {
        byte[] record = _record!;
        _record = null;
        if (_recordType == 'L')
        {
            int end = record.AsSpan().IndexOf((byte)0);
            _nextName = Encoding.UTF8.GetString(end < 0 ? record : record.AsSpan(0, end));
            return;
        }
        ReadOnlySpan<byte> rest = record;
        XattrWithNewline = null;
        while (!rest.IsEmpty)
        {
            int space = rest.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(rest[..space], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length)
                || length <= space + 1 || length > rest.Length)
                return; // Malformed: TarReader refuses it with its own message.
            ReadOnlySpan<byte> field = rest[(space + 1)..(length - 1)];
            int eq = field.IndexOf((byte)'=');
            if (eq > 0)
            {
                ReadOnlySpan<byte> key = field[..eq], value = field[(eq + 1)..];
                if (key.SequenceEqual("size"u8) && long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long size))
                    _nextSize = size;
                else if (key.SequenceEqual("path"u8))
                    _nextName = Encoding.UTF8.GetString(value);
                else if (key.StartsWith(XattrPrefix))
                {
                    string attr = Encoding.UTF8.GetString(key[XattrPrefix.Length..]);
                    (_nextXattrs ??= new(StringComparer.Ordinal))[attr] = value.ToArray();
                    if (value.Contains((byte)'\n'))
                        XattrWithNewline = attr;
                }
            }
            rest = rest[length..];
        }
    }

    private string HeaderName()
    {
        ReadOnlySpan<byte> name = Field(_header.AsSpan(0, 100));
        ReadOnlySpan<byte> prefix = _header.AsSpan(257, 6).SequenceEqual("ustar\0"u8) ? Field(_header.AsSpan(345, 155)) : [];
        return prefix.IsEmpty ? Encoding.UTF8.GetString(name) : Encoding.UTF8.GetString(prefix) + "/" + Encoding.UTF8.GetString(name);
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return end < 0 ? field : field[..end];
    }

    private bool ChecksumMatches()
    {
        if (!TryParseNumber(_header.AsSpan(148, 8), out long expected))
            return false;
        long unsigned = 0, signed = 0;
        for (int i = 0; i < Block; i++)
        {
            byte b = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return expected == unsigned || expected == signed;
    }

    /// <summary>An octal field (NUL or space terminated) or a GNU base-256 one; negative or overflowing is false.</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..^8].ContainsAnyExcept((byte)0))
                return false;
            value = BinaryPrimitives.ReadInt64BigEndian(field[^8..]);
            return value >= 0;
        }
        int i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0)
            i++;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++)
        {
            if (value > (long.MaxValue >> 3))
                return false;
            value = (value << 3) | (long)(field[i] - '0');
        }
        return i == field.Length || field[i] is (byte)' ' or 0;
    }
}
