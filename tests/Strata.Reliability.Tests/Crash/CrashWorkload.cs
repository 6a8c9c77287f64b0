using Strata.Posix;

namespace Strata.Reliability.Tests.Crash;

/// <summary>
/// The work a kill interrupts, on three threads: copy-ups of big lower files (each stamped and fsynced once up),
/// replace-by-rename of files (write a temp, fsync, rename over) plus renames of lower files, and big in-place
/// rewrites (16 MiB in one write, then fsync). Each thread marks a change in flight before it starts and
/// acknowledged when the calls returned; the first failure (the server is gone: ENOTCONN) ends the thread.
/// </summary>
public sealed class CrashWorkload(string root, CrashState state, int iteration)
{
    private int _nextBig = iteration * 3;

    public Thread[] Start(ManualResetEventSlim stop) =>
    [
        Spawn(() => Loop(stop, CopyUpStep)),
        Spawn(() => Loop(stop, ReplaceStep)),
        Spawn(() => Loop(stop, RewriteStep)),
    ];

    private static Thread Spawn(Action body)
    {
        var t = new Thread(() => body()) { IsBackground = true };
        t.Start();
        return t;
    }

    private static void Loop(ManualResetEventSlim stop, Func<bool> step)
    {
        while (!stop.IsSet && step())
        {
        }
    }

    private long NextGeneration()
    {
        lock (state) return ++state.Generation;
    }

    private bool CopyUpStep()
    {
        int k = _nextBig++ % CrashLayout.BigFiles;
        long gen = NextGeneration();
        state.BigStampInFlight[k] = gen;
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(root, CrashLayout.Big(k)), OpenFlags.O_RDWR);
        if (fd < 0) return false;
        try
        {
            if (Posix.Posix.PWrite(fd, BitConverter.GetBytes(gen), 0) != CrashLayout.StampLength || Posix.Posix.FSync(fd) < 0) return false;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
        state.BigStamp[k] = gen;
        state.BigStampInFlight[k] = 0;
        return true;
    }

    private int _nextReplace;

    private bool ReplaceStep()
    {
        int k = _nextReplace++ % CrashLayout.Replaced;
        if (_nextReplace % 4 == 0 && !MoveOne()) return false;
        long gen = NextGeneration();
        string temp = Path.Combine(root, CrashLayout.ReplaceTemp(k));
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, temp, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, 0x1A4);
        if (fd < 0) return false;
        try
        {
            byte[] data = CrashLayout.ReplacedContent(k, gen);
            if (Posix.Posix.Write(fd, data) != data.Length || Posix.Posix.FSync(fd) < 0) return false;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
        state.ReplacedInFlight[k] = gen;
        if (Posix.Posix.RenameAt(OpenFlags.AT_FDCWD, Bytes(temp), OpenFlags.AT_FDCWD, Bytes(Path.Combine(root, CrashLayout.Replace(k)))) < 0) return false;
        state.Replaced[k] = gen;
        state.ReplacedInFlight[k] = 0;
        return true;
    }

    /// <summary>Renames the next lower file still at its old name (copy-up, rename, whiteout in one go).</summary>
    private bool MoveOne()
    {
        for (int k = 0; k < CrashLayout.Moved; k++)
        {
            string from = Path.Combine(root, CrashLayout.MoveFrom(k));
            if (!File.Exists(from)) continue;
            return Posix.Posix.RenameAt(OpenFlags.AT_FDCWD, Bytes(from), OpenFlags.AT_FDCWD, Bytes(Path.Combine(root, CrashLayout.MoveTo(k)))) == 0;
        }
        return true;
    }

    private int _nextRewrite;

    private bool RewriteStep()
    {
        int k = _nextRewrite++ % CrashLayout.Rewritten;
        long gen = NextGeneration();
        state.RewrittenInFlight[k] = gen;
        int fd = Posix.Posix.OpenAt(OpenFlags.AT_FDCWD, Path.Combine(root, CrashLayout.Rewrite(k)), OpenFlags.O_WRONLY);
        if (fd < 0) return false;
        try
        {
            var data = new byte[CrashLayout.RewrittenLength];
            Array.Fill(data, CrashLayout.RewriteByte(k, gen));
            if (Posix.Posix.PWrite(fd, data, 0) != data.Length) return false;
            Array.Fill(state.RewrittenBlocks[k], gen);
            if (Posix.Posix.FSync(fd) < 0) return false;
            state.RewrittenSynced[k] = gen;
        }
        finally
        {
            Posix.Posix.Close(fd);
        }
        state.RewrittenInFlight[k] = 0;
        return true;
    }

    private static byte[] Bytes(string path) => System.Text.Encoding.UTF8.GetBytes(path);
}
