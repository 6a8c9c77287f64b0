namespace Strata.Posix;

/// <summary>fanotify(7) constants: init flags, event bits, mark flags and info record types.</summary>
public static class Fanotify
{
    public const uint FAN_CLOEXEC = 0x1;
    public const uint FAN_NONBLOCK = 0x2;
    public const uint FAN_CLASS_NOTIF = 0x0;
    public const uint FAN_UNLIMITED_QUEUE = 0x10;
    public const uint FAN_UNLIMITED_MARKS = 0x20;
    public const uint FAN_REPORT_DIR_FID = 0x400;
    public const uint FAN_REPORT_NAME = 0x800;

    /// <summary>Each event names the directory (by file handle) and the entry it concerns.</summary>
    public const uint FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;

    public const ulong FAN_MODIFY = 0x2;
    public const ulong FAN_ATTRIB = 0x4;
    public const ulong FAN_CLOSE_WRITE = 0x8;
    public const ulong FAN_MOVED_FROM = 0x40;
    public const ulong FAN_MOVED_TO = 0x80;
    public const ulong FAN_CREATE = 0x100;
    public const ulong FAN_DELETE = 0x200;
    public const ulong FAN_DELETE_SELF = 0x400;
    public const ulong FAN_MOVE_SELF = 0x800;
    public const ulong FAN_Q_OVERFLOW = 0x4000;
    public const ulong FAN_EVENT_ON_CHILD = 0x0800_0000;
    public const ulong FAN_ONDIR = 0x4000_0000;

    /// <summary>The events that change what a name resolves to.</summary>
    public const ulong EntryEvents = FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO;

    public const uint FAN_MARK_ADD = 0x1;
    public const uint FAN_MARK_REMOVE = 0x2;
    public const uint FAN_MARK_DONT_FOLLOW = 0x4;
    public const uint FAN_MARK_ONLYDIR = 0x8;

    public const byte FAN_EVENT_INFO_TYPE_DFID_NAME = 2;

    public const int MetadataVersion = 3;

    /// <summary>MAX_HANDLE_SZ: the largest file handle name_to_handle_at gives.</summary>
    public const int MaxHandleSize = 128;
}
