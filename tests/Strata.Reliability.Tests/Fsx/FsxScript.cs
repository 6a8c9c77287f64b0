namespace Strata.Reliability.Tests.Fsx;

/// <summary>
/// Random steps for one seed, aimed so that most of them act on the data (offsets inside or just past the
/// current length, around page boundaries). The generator follows the length the model will have, so a
/// script is fixed by its seed alone and can be printed before it runs.
/// </summary>
public static class FsxScript
{
    public const int MaxLength = 256 * 1024;
    private const int Page = 4096;

    public static List<FsxStep> Generate(Random random, long initialLength, int count)
    {
        var steps = new List<FsxStep>(count);
        long length = initialLength;
        for (int i = 0; i < count; i++)
        {
            FsxStep step = Next(random, length);
            steps.Add(step);
            length = LengthAfter(step, length);
        }
        return steps;
    }

    private static FsxStep Next(Random random, long length)
    {
        var kind = (FsxKind)random.Next(Enum.GetValues<FsxKind>().Length);
        long offset = Offset(random, length);
        long size = Size(random, MaxLength - offset);
        switch (kind)
        {
            case FsxKind.Truncate:
                return new FsxStep(kind, random.Next(4) == 0 ? 0 : random.NextInt64(MaxLength + 1), 0);
            case FsxKind.MapRead or FsxKind.MapWrite:
                // A mapping covers the file as it is: past the end a page would fault (SIGBUS).
                if (length == 0) return new FsxStep(FsxKind.Reopen, 0, 0);
                offset = random.NextInt64(length);
                return new FsxStep(kind, offset, Math.Max(1, Size(random, length - offset)), DataSeed: random.Next());
            case FsxKind.CopyRange:
            {
                if (length < 2) return new FsxStep(FsxKind.Write, offset, size, DataSeed: random.Next());
                // Within one file the ranges must not overlap (the kernel refuses): source before target or after it.
                long source = random.NextInt64(length);
                long n = Math.Max(1, Size(random, length - source));
                long target = random.Next(2) == 0 && source >= n ? random.NextInt64(source - n + 1) : source + n + random.NextInt64(Math.Max(1, MaxLength - source - 2 * n));
                n = Math.Min(n, MaxLength - target);
                if (n <= 0 || target < 0) return new FsxStep(FsxKind.Read, 0, length);
                return new FsxStep(kind, target, n, Source: source);
            }
            default:
                return new FsxStep(kind, offset, Math.Max(1, size), DataSeed: random.Next());
        }
    }

    /// <summary>Mostly inside the file, often on a page boundary, sometimes past the end (a hole before the data).</summary>
    private static long Offset(Random random, long length) => random.Next(6) switch
    {
        0 => Math.Min(MaxLength - 1, length),
        1 => random.NextInt64(MaxLength / Page) * Page,
        2 => random.NextInt64(MaxLength),
        _ => length == 0 ? 0 : random.NextInt64(length),
    };

    private static long Size(Random random, long room)
    {
        if (room <= 0) return 0;
        long size = random.Next(4) switch
        {
            0 => 1 + random.Next(16),
            1 => Page * (1 + random.Next(4)),
            _ => 1 + random.Next(64 * 1024),
        };
        return Math.Min(size, room);
    }

    public static long LengthAfter(FsxStep step, long length) => step.Kind switch
    {
        FsxKind.Write or FsxKind.Allocate or FsxKind.ZeroRange => Math.Max(length, step.Offset + step.Length),
        FsxKind.Truncate => step.Offset,
        FsxKind.CopyRange => Math.Min(step.Length, length - step.Source) is var n && n > 0 ? Math.Max(length, step.Offset + n) : length,
        _ => length,
    };
}
