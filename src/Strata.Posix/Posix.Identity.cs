namespace Strata.Posix;

/// <summary>Who this process is, for deciding whether new files must be given to the caller with chown.</summary>
public static partial class Posix
{
    public static uint EffectiveUid() => Libc.geteuid();

    public static uint EffectiveGid() => Libc.getegid();

    /// <summary>The calling thread's umask, read without changing it (the Umask line of /proc/thread-self/status).</summary>
    public static uint CurrentUmask()
    {
        foreach (string line in File.ReadLines("/proc/thread-self/status"))
        {
            if (line.StartsWith("Umask:", StringComparison.Ordinal))
                return Convert.ToUInt32(line["Umask:".Length..].Trim(), 8);
        }
        return 0x12; // 022: a kernel without the line (before 4.7) has the usual default
    }

    /// <summary>Sets the process umask and returns the previous one (tests set 0 so modes are exactly as given).</summary>
    public static uint SetUmask(uint mask) => Libc.umask(mask);
}
