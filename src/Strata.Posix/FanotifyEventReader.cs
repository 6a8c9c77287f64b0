using System.Buffers.Binary;

namespace Strata.Posix;

/// <summary>
/// Walks the events of one read() from a fanotify group made with FAN_REPORT_DFID_NAME, without allocating.
/// Each event gives its mask, the pid that caused it, the identity of the directory it happened in (fsid and
/// file handle, laid out as <see cref="Posix.FileIdentity"/> gives them) and the entry name ("." or empty for
/// an event on the directory itself).
/// </summary>
public ref struct FanotifyEventReader
{
    private const int MetadataSize = 24;
    private const int InfoHeaderSize = 4;
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public FanotifyEventReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
    }

    public ulong Mask { get; private set; }

    public int Pid { get; private set; }

    /// <summary>fsid + struct file_handle of the directory; empty when the event carries none (an overflow).</summary>
    public ReadOnlySpan<byte> Directory { get; private set; }

    public ReadOnlySpan<byte> Name { get; private set; }

    /// <summary>True when the event is about the directory itself rather than an entry in it.</summary>
    public readonly bool IsSelf => Name.IsEmpty || (Name.Length == 1 && Name[0] == (byte)'.');

    public bool MoveNext()
    {
        while (_position + MetadataSize <= _buffer.Length)
        {
            // struct fanotify_event_metadata { u32 event_len; u8 vers; u8 reserved; u16 metadata_len; u64 mask; s32 fd; s32 pid; }
            ReadOnlySpan<byte> evt = _buffer[_position..];
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(evt);
            if (length < MetadataSize || length > evt.Length)
                return false;
            evt = evt[..length];
            _position += length;
            if (evt[4] != Fanotify.MetadataVersion)
                continue;
            int metadataLength = BinaryPrimitives.ReadUInt16LittleEndian(evt[6..]);
            Mask = BinaryPrimitives.ReadUInt64LittleEndian(evt[8..]);
            Pid = BinaryPrimitives.ReadInt32LittleEndian(evt[20..]);
            Directory = default;
            Name = default;
            ReadInfo(evt[Math.Min(metadataLength, evt.Length)..]);
            return true;
        }
        return false;
    }

    // struct fanotify_event_info_fid { u8 info_type; u8 pad; u16 len; fsid (8); struct file_handle; name NUL }
    private void ReadInfo(ReadOnlySpan<byte> records)
    {
        while (records.Length >= InfoHeaderSize)
        {
            byte type = records[0];
            int length = BinaryPrimitives.ReadUInt16LittleEndian(records[2..]);
            if (length < InfoHeaderSize || length > records.Length)
                return;
            ReadOnlySpan<byte> record = records[InfoHeaderSize..length];
            records = records[length..];
            if (type != Fanotify.FAN_EVENT_INFO_TYPE_DFID_NAME || record.Length < 16)
                continue;
            int identityLength = 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
            if (identityLength > record.Length)
                return;
            Directory = record[..identityLength];
            ReadOnlySpan<byte> name = record[identityLength..];
            int nul = name.IndexOf((byte)0);
            Name = nul >= 0 ? name[..nul] : name;
            return;
        }
    }
}
