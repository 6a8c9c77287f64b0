namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// Who the permission runs act as. alice is in group 100 (which owns the setgid dir "shared") as well as her own;
/// bob only in his own, so he meets setgid dirs whose group he is not in.
/// </summary>
public static class Users
{
    public const uint SharedGroup = 100;

    public static readonly TestUser Alice = new("alice", 1000, 1000, [1000, SharedGroup]);

    public static readonly TestUser Bob = new("bob", 1001, 1001, [1001]);

    /// <summary>Mostly the two users, some steps as root (what root changes, the users then meet).</summary>
    public static TestUser Pick(Random random) => random.Next(10) switch
    {
        < 5 => Alice,
        < 8 => Bob,
        _ => TestUser.Root,
    };

    private static readonly uint[] Umasks = [0x12, 0x12, 0x3F, 0x2, 0x0, 0x17]; // 022 022 077 002 000 027

    public static uint PickUmask(Random random) => Umasks[random.Next(Umasks.Length)];
}
