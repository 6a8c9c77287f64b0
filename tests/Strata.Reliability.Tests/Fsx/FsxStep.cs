namespace Strata.Reliability.Tests.Fsx;

/// <summary>The kinds of step the exerciser takes on its one file.</summary>
public enum FsxKind
{
    Read,
    Write,
    Truncate,
    Allocate,
    AllocateKeepSize,
    PunchHole,
    ZeroRange,
    ZeroRangeKeepSize,
    MapRead,
    MapWrite,
    CopyRange,
    Reopen,
}

/// <summary>One step: what, where, how long, and (for writes) the seed of its bytes; <see cref="Source"/> for copies.</summary>
public sealed record FsxStep(FsxKind Kind, long Offset, long Length, long Source = 0, int DataSeed = 0)
{
    public override string ToString() => Kind switch
    {
        FsxKind.CopyRange => $"{Kind} {Source}..+{Length} -> {Offset}",
        FsxKind.Truncate => $"{Kind} to {Offset}",
        FsxKind.Reopen => $"{Kind}",
        _ => $"{Kind} {Offset}..+{Length}",
    };
}
