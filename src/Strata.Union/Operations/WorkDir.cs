using Strata.Posix;
using Strata.Union.Format;
using Sys = Strata.Posix.Posix;

namespace Strata.Union.Operations;

/// <summary>
/// workdir/work: objects are built here under a temporary name and renamed into the upper dir in one
/// step, so a crash never leaves a half-made object in the upper dir.
/// </summary>
internal sealed class WorkDir(LayerStack layers)
{
    /// <summary>Room for a temporary name.</summary>
    public const int TempNameLength = 24;

    private long _counter;

    // The whiteout every placed whiteout is a hard link of, as the kernel shares one (it saves an inode and a
    // rename each): made in the work dir on first use; a new one once the filesystem's link limit is reached.
    private readonly byte[] _sharedName = new byte[TempNameLength];
    private int _sharedLength;

    public int Fd => layers.WorkFd;

    /// <summary>Writes a fresh temporary name ("#strata-hex") into dest and returns it.</summary>
    public ReadOnlySpan<byte> NextTempName(Span<byte> dest)
    {
        "#strata-"u8.CopyTo(dest);
        long n = Interlocked.Increment(ref _counter);
        System.Buffers.Text.Utf8Formatter.TryFormat(n, dest[8..], out int written, new System.Buffers.StandardFormat('x'));
        return dest[..(8 + written)];
    }

    /// <summary>
    /// Puts a whiteout at a name of an upper dir where nothing (or another non-dir) is. Where the name is free,
    /// one link of the shared whiteout makes it, atomically; where a non-dir is there, it is replaced by rename.
    /// Callers hold the engine lock.
    /// </summary>
    public int PlaceWhiteout(int upperDirFd, ReadOnlySpan<byte> name)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            int rc = SharedWhiteout(out ReadOnlySpan<byte> shared);
            if (rc < 0)
                break;
            rc = Sys.LinkAt(Fd, shared, upperDirFd, name);
            if (rc != -Errno.EMLINK)
            {
                if (rc != -Errno.EEXIST)
                    return rc;
                break; // A non-dir is there: it must be swapped out in one rename.
            }
            _sharedLength = 0; // Full: the next attempt makes a fresh one.
        }
        Span<byte> buffer = stackalloc byte[TempNameLength];
        return MoveInWhiteout(upperDirFd, name, buffer, 0, out _);
    }

    private int SharedWhiteout(out ReadOnlySpan<byte> name)
    {
        if (_sharedLength == 0)
        {
            ReadOnlySpan<byte> fresh = NextTempName(_sharedName);
            int rc = OverlayFormat.MakeWhiteout(Fd, fresh);
            if (rc < 0)
            {
                name = default;
                return rc;
            }
            _sharedLength = fresh.Length;
        }
        name = _sharedName.AsSpan(0, _sharedLength);
        return 0;
    }

    /// <summary>
    /// Atomically swaps the object at an upper name for a whiteout, then removes the old object (for a
    /// directory, with the whiteouts left inside it) from the work dir.
    /// </summary>
    public int ReplaceWithWhiteout(int upperDirFd, ReadOnlySpan<byte> name)
    {
        Span<byte> buffer = stackalloc byte[TempNameLength];
        int rc = MoveInWhiteout(upperDirFd, name, buffer, OpenFlags.RENAME_EXCHANGE, out ReadOnlySpan<byte> temp);
        return rc < 0 ? rc : TreeRemover.Remove(Fd, temp);
    }

    /// <summary>Makes a whiteout under a temp name in the work dir and renames it to the upper name (with flags).</summary>
    private int MoveInWhiteout(int upperDirFd, ReadOnlySpan<byte> name, Span<byte> buffer, uint flags, out ReadOnlySpan<byte> temp)
    {
        temp = NextTempName(buffer);
        int rc = OverlayFormat.MakeWhiteout(Fd, temp);
        if (rc < 0)
            return rc;
        rc = Sys.RenameAt(Fd, temp, upperDirFd, name, flags);
        if (rc < 0)
            Sys.UnlinkAt(Fd, temp, false);
        return rc;
    }
}
