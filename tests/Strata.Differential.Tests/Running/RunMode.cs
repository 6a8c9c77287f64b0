namespace Strata.Differential.Tests.Running;

/// <summary>
/// How a sequence is mounted and checked, chosen by its seed so that a replayed seed runs the same way:
/// redirect_dir=on for a quarter of the seeds (lower and merged dirs then move), and every fourth of the others
/// checks, after unmounting, that each side's layers give the same tree and inode numbers when remounted by
/// itself and when mounted by the other implementation.
/// </summary>
public sealed record RunMode(bool RedirectDir, bool CrossMounts)
{
    public static RunMode ForSeed(int seed) => new(RedirectDir: seed % 4 == 0, CrossMounts: seed % 4 == 2);

    public override string ToString() => (RedirectDir ? "redirect_dir=on" : "redirect_dir=off") + (CrossMounts ? ", remounted and cross-mounted" : "");
}
