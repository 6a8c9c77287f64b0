namespace Strata.Posix;

/// <summary>Who this process is, for deciding whether new files must be given to the caller with chown.</summary>
public static partial class Posix
{
    public static uint EffectiveUid() => Libc.geteuid();

    public static uint EffectiveGid() => Libc.getegid();

    /// <summary>Sets the process umask and returns the previous one (tests set 0 so modes are exactly as given).</summary>
    public static uint SetUmask(uint mask) => Libc.umask(mask);
}
