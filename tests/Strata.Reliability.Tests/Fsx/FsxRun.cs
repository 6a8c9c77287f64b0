using System.IO.MemoryMappedFiles;
using Strata.Posix;

namespace Strata.Reliability.Tests.Fsx;

/// <summary>
/// Runs one script on one file of a mount and checks, after every step, the file's length and all its bytes
/// against the model, read through the descriptor opened first (before any copy-up, when the file starts in a
/// lower layer). The writing descriptor is opened at the first step that changes the file, so a lower file is
/// copied up in the middle of the run; Reopen closes and reopens both, as a program restarting would.
/// </summary>
public sealed class FsxRun : IDisposable
{
    private readonly string _path;
    private readonly FsxModel _model;
    private readonly byte[] _readBack = new byte[FsxScript.MaxLength];
    private int _reader = -1;
    private int _writer = -1;

    public FsxRun(string path, byte[] initial)
    {
        _path = path;
        _model = new FsxModel(initial, FsxScript.MaxLength);
        _reader = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, path, OpenFlags.O_RDONLY), "open for reading");
    }

    public ReadOnlySpan<byte> Expected => _model.Bytes;

    /// <summary>Runs the step; returns null when the file matches the model after it, else what differs.</summary>
    public string? Apply(FsxStep step)
    {
        string? error = Run(step);
        return error ?? Verify();
    }

    private string? Run(FsxStep step)
    {
        switch (step.Kind)
        {
            case FsxKind.Read:
            {
                long end = Math.Min(step.Offset + step.Length, _model.Length);
                var buffer = new byte[step.Length];
                int n = Posix.Posix.PRead(_reader, buffer, step.Offset);
                long expected = Math.Max(0, end - step.Offset);
                if (n != expected) return $"read returned {n}, expected {expected}";
                return buffer.AsSpan(0, n).SequenceEqual(_model.Bytes.Slice((int)Math.Min(step.Offset, _model.Length), n)) ? null : "read returned other bytes";
            }
            case FsxKind.Write:
            {
                byte[] data = Data(step);
                int n = Posix.Posix.PWrite(Writer(), data, step.Offset);
                if (n != data.Length) return $"write returned {n} of {data.Length}";
                _model.Write(step.Offset, data);
                return null;
            }
            case FsxKind.Truncate:
                return Result(Posix.Posix.FTruncate(Writer(), step.Offset), () => _model.Truncate(step.Offset));
            case FsxKind.Allocate:
                return Result(Posix.Posix.FAllocate(Writer(), 0, step.Offset, step.Length), () => _model.Allocate(step.Offset, step.Length));
            case FsxKind.AllocateKeepSize:
                return Result(Posix.Posix.FAllocate(Writer(), Libc.FALLOC_FL_KEEP_SIZE, step.Offset, step.Length), () => { });
            case FsxKind.PunchHole:
                return Result(Posix.Posix.FAllocate(Writer(), Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, step.Offset, step.Length),
                    () => _model.Zero(step.Offset, step.Length, keepSize: true));
            case FsxKind.ZeroRange:
                return Result(Posix.Posix.FAllocate(Writer(), Libc.FALLOC_FL_ZERO_RANGE, step.Offset, step.Length),
                    () => _model.Zero(step.Offset, step.Length, keepSize: false));
            case FsxKind.ZeroRangeKeepSize:
                return Result(Posix.Posix.FAllocate(Writer(), Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, step.Offset, step.Length),
                    () => _model.Zero(step.Offset, step.Length, keepSize: true));
            case FsxKind.MapRead:
                return MapRead(step);
            case FsxKind.MapWrite:
                return MapWrite(step);
            case FsxKind.CopyRange:
            {
                // A shorter copy than asked is allowed (the caller goes on): copy until done or the source ends.
                long n = 0, piece;
                while (n < step.Length && (piece = Posix.Posix.CopyFileRange(Writer(), step.Source + n, _writer, step.Offset + n, step.Length - n)) != 0)
                {
                    if (piece < 0) return $"copy_file_range failed: {Errno.Describe((int)piece)}";
                    n += piece;
                }
                long expected = _model.Copy(step.Source, step.Offset, step.Length);
                return n == expected ? null : $"copy_file_range returned {n}, expected {expected}";
            }
            case FsxKind.Reopen:
                CloseAll();
                _reader = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, _path, OpenFlags.O_RDONLY), "reopen");
                return null;
            default:
                return $"unknown step {step.Kind}";
        }
    }

    private string? MapRead(FsxStep step)
    {
        using var map = MemoryMappedFile.CreateFromFile(_path, FileMode.Open, null, _model.Length, MemoryMappedFileAccess.Read);
        using MemoryMappedViewAccessor view = map.CreateViewAccessor(step.Offset, step.Length, MemoryMappedFileAccess.Read);
        var buffer = new byte[step.Length];
        view.ReadArray(0, buffer, 0, buffer.Length);
        return buffer.AsSpan().SequenceEqual(_model.Bytes.Slice((int)step.Offset, (int)step.Length)) ? null : "mmap read other bytes";
    }

    /// <summary>A MAP_SHARED write within the file, then msync (Flush), as a database writes its pages.</summary>
    private string? MapWrite(FsxStep step)
    {
        Writer(); // the file is copied up by a write open, as a program's own open for writing would
        byte[] data = Data(step);
        using (var map = MemoryMappedFile.CreateFromFile(_path, FileMode.Open, null, _model.Length, MemoryMappedFileAccess.ReadWrite))
        using (MemoryMappedViewAccessor view = map.CreateViewAccessor(step.Offset, step.Length, MemoryMappedFileAccess.Write))
        {
            view.WriteArray(0, data, 0, data.Length);
            view.Flush();
        }
        _model.Write(step.Offset, data);
        return null;
    }

    private string? Verify()
    {
        if (Posix.Posix.FStat(_reader, out StatX st) < 0) return "fstat failed";
        if ((long)st.Size != _model.Length) return $"length is {st.Size}, expected {_model.Length}";
        int n = Posix.Posix.PRead(_reader, _readBack, 0);
        if (n != _model.Length) return $"reading it all returned {n}, expected {_model.Length}";
        int at = _readBack.AsSpan(0, n).CommonPrefixLength(_model.Bytes);
        return at == n ? null : $"byte {at} is {_readBack[at]}, expected {_model.Bytes[at]}";
    }

    private int Writer()
    {
        if (_writer >= 0)
            return _writer;
        _writer = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, _path, OpenFlags.O_RDWR), "open for writing");
        // This open copied a lower file up. With FUSE passthrough a descriptor opened before keeps reading the
        // lower file (its inode's backing file cannot change; the kernel overlay would read the copy: README,
        // differences), so the checks go on through a fresh one.
        Posix.Posix.Close(_reader);
        _reader = Check(Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, _path, OpenFlags.O_RDONLY), "reopen for reading after copy-up");
        return _writer;
    }

    private static string? Result(int rc, Action onSuccess)
    {
        if (rc < 0) return $"failed: {Errno.Describe(rc)}";
        onSuccess();
        return null;
    }

    private static byte[] Data(FsxStep step)
    {
        var data = new byte[step.Length];
        new Random(step.DataSeed).NextBytes(data);
        return data;
    }

    private static int Check(int fd, string what) => fd >= 0 ? fd : throw new InvalidOperationException($"{what}: {Errno.Describe(fd)}");

    private void CloseAll()
    {
        if (_reader >= 0) Posix.Posix.Close(_reader);
        if (_writer >= 0) Posix.Posix.Close(_writer);
        _reader = _writer = -1;
    }

    public void Dispose() => CloseAll();
}
