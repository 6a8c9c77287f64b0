using System.Buffers.Binary;

namespace Strata.Posix;

/// <summary>
/// Walks the entries of an open directory with getdents64 into a caller's buffer, without allocating.
/// "." and ".." are skipped. Starts from the fd's current offset (use <see cref="Rewind"/> to start over).
/// </summary>
public ref struct DirectoryEnumerator
{
    private readonly int _fd;
    private readonly Span<byte> _buffer;
    private int _position;
    private int _length;

    public DirectoryEnumerator(int fd, Span<byte> buffer)
    {
        _fd = fd;
        _buffer = buffer;
    }

    /// <summary>The name of the current entry (no NUL).</summary>
    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>The DT_* type of the current entry (DT_UNKNOWN on filesystems that do not report it).</summary>
    public byte Type { get; private set; }

    public ulong Inode { get; private set; }

    /// <summary>0, or the negative errno that ended the walk early.</summary>
    public int Error { get; private set; }

    public static int Rewind(int fd) => (int)Posix.LSeek(fd, 0, 0);

    public unsafe bool MoveNext()
    {
        while (true)
        {
            if (_position >= _length)
            {
                fixed (byte* b = _buffer)
                {
                    long n = Errno.Check((long)Libc.getdents64(_fd, b, (nuint)_buffer.Length));
                    if (n <= 0)
                    {
                        Error = (int)Math.Min(n, 0);
                        return false;
                    }
                    _length = (int)n;
                    _position = 0;
                }
            }
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            Span<byte> record = _buffer[_position..];
            ushort reclen = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
            Inode = BinaryPrimitives.ReadUInt64LittleEndian(record);
            Type = record[18];
            Span<byte> name = record[19..reclen];
            Name = name[..name.IndexOf((byte)0)];
            _position += reclen;
            if (!IsDotOrDotDot(Name)) return true;
        }
    }

    public static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        name.Length <= 2 && name.Length > 0 && name[0] == '.' && (name.Length == 1 || name[1] == '.');
}
