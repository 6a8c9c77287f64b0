using Strata.Differential.Tests.Running;
using Xunit.Abstractions;

namespace Strata.Differential.Tests.Permissions;

/// <summary>
/// Permissions as the kernel's overlayfs gives them: random layers of files and dirs of several owners and modes,
/// random steps run as non-root users (and root) with random umasks, on kernel overlayfs and on Strata (mounted
/// with default_permissions), compared step by step (errno, and owner and mode of what each step touched) and at
/// the end (merged views and upper dirs, owners and POSIX ACLs included). Layers and steps carry ACLs too: access
/// ACLs decide who may do what, default ACLs what new objects inherit. A failure prints the seed and a shrunk script with
/// the setpriv line of each step.
/// </summary>
[Collection(SequenceCollection.Name)]
public sealed class PermissionSequenceTests(ITestOutputHelper output)
{
    /// <summary>CI's share of the differential budget (STRATA_PERM_SEQUENCES=N for more by hand).</summary>
    private const int CiSequences = 300;

    private const int CiSteps = 50;

    [Fact]
    public void PermissionSequencesMatchKernelOverlay()
    {
        SequenceSettings settings = SequenceSettings.FromEnvironment("STRATA_PERM", CiSequences, CiSteps);
        var mix = new OperationMix();
        List<string> failures = SequenceBatch.Run(settings, Create, mix, "STRATA_PERM");
        Assert.True(failures.Count == 0, SequenceBatch.Describe(failures));
        output.WriteLine(mix.Describe());
    }

    /// <summary>Seeds of the longer soak that found a divergence once (the fix is named), kept so that it stays fixed.</summary>
    [Theory]
    [InlineData(1123)] // listxattr by a user lists no trusted.* names (they need CAP_SYS_ADMIN)
    [InlineData(1649)] // chown -1:-1 by a user outside the group of a setgid file without group-exec: EPERM
    [InlineData(1994)] // root's file made over a whiteout in a setgid dir takes the dir's group
    [InlineData(191)]  // O_TRUNC by a user outside the group of a setgid file without group-exec drops the bit
    [InlineData(106)]  // removing the access ACL of a setgid dir by its owner outside its group drops the bit (ovl_set_acl)
    [InlineData(5610)] // a write by a user outside the group (an ACL lets him) drops the setgid bit; chown -1:-1 stays EPERM
    [InlineData(1437)] // chown -1:-1 of a suid file by a non-owner: EPERM (the chown would drop the bit), the bit kept
    [InlineData(11032)] // setfacl through a hard link's first name after a chown through the second: the name is looked up afresh
    public void FormerDivergencesStayFixed(int seed)
    {
        string? report = SequenceBatch.Replay(Create(seed, CiSteps));
        Assert.True(report is null, report);
    }

    private static SeededSequence Create(int seed, int steps)
    {
        var random = new Random(seed);
        Random acls = PermissionAcls.RandomFor(seed);
        var layers = PermissionAcls.AddTo(PermissionLayerGenerator.Generate(random), acls);
        return new SeededSequence(seed, layers, PermissionScript.Generate(random, layers, steps, acls), RunMode.ForSeed(seed) with { CrossMounts = false });
    }
}
