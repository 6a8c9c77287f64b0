using System.Globalization;
using System.Runtime.InteropServices;

namespace Strata.Posix;

/// <summary>
/// The system call a thread is blocked in, as /proc/TID/syscall shows it (its first field). A FUSE server can read
/// it for the thread a request came from: that thread waits inside the call for the reply.
/// </summary>
public static class ThreadSyscall
{
    /// <summary>
    /// Whether the thread is inside chown(2), fchown(2), lchown(2) or fchownat(2); null when that cannot be told
    /// (the thread is gone, runs, or the architecture's numbers are not known here).
    /// </summary>
    public static bool? IsChown(int tid)
    {
        long? number = NumberOf(tid);
        if (number is null)
            return null;
        return RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => number is 92 or 93 or 94 or 260,
            Architecture.Arm64 => number is 54 or 55, // the generic table has fchownat and fchown only
            _ => null,
        };
    }

    private static long? NumberOf(int tid)
    {
        try
        {
            string text = File.ReadAllText($"/proc/{tid.ToString(CultureInfo.InvariantCulture)}/syscall");
            int end = text.IndexOf(' ', StringComparison.Ordinal);
            return long.TryParse(end < 0 ? text.AsSpan().Trim() : text.AsSpan(0, end), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) && n >= 0
                ? n
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
