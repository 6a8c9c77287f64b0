using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>open(2) with the flags given, then close: create, O_EXCL, O_TRUNC, open for write (copy-up).</summary>
public sealed record OpenOperation(string Path, int Flags, uint Mode) : Operation
{
    public override string Run(Executor x) => x.WithOpen(Path, Flags, Mode, _ => "ok");

    public override string Shell => $"open {Path} {FlagNames(Flags)} {Octal(Mode)}";

    public override IEnumerable<string> Touched => [Path];

    public override string Kind => $"Open {FlagNames(Flags)}";

    private static string FlagNames(int flags)
    {
        var names = new List<string> { (flags & OpenFlags.O_ACCMODE) switch { OpenFlags.O_WRONLY => "O_WRONLY", OpenFlags.O_RDWR => "O_RDWR", _ => "O_RDONLY" } };
        if ((flags & OpenFlags.O_CREAT) != 0) names.Add("O_CREAT");
        if ((flags & OpenFlags.O_EXCL) != 0) names.Add("O_EXCL");
        if ((flags & OpenFlags.O_TRUNC) != 0) names.Add("O_TRUNC");
        if ((flags & OpenFlags.O_DIRECTORY) != 0) names.Add("O_DIRECTORY");
        if ((flags & OpenFlags.O_NOFOLLOW) != 0) names.Add("O_NOFOLLOW");
        return string.Join('|', names);
    }
}

/// <summary>pwrite at an offset (a hole when past the end), or write with O_APPEND.</summary>
public sealed record WriteOperation(string Path, long Offset, string Data, bool Append) : Operation
{
    public override string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_WRONLY | (Append ? OpenFlags.O_APPEND : 0), 0, fd =>
        {
            byte[] data = Encoding.UTF8.GetBytes(Data);
            int n = Append ? Posix.Posix.Write(fd, data) : Posix.Posix.PWrite(fd, data, Offset);
            return n < 0 ? ErrnoNames.Of(n) : $"ok {n}";
        });

    public override string Kind => Append ? "Write O_APPEND" : "Write";

    public override string Shell => Append ? $"echo -n '{Data}' >> {Path}" : $"pwrite {Path} @{Offset} '{Data}'";

    public override IEnumerable<string> Touched => [Path];
}

public sealed record TruncateOperation(string Path, long Length) : Operation
{
    public override string Run(Executor x) => x.WithOpen(Path, OpenFlags.O_WRONLY, 0, fd => Executor.Result(Posix.Posix.FTruncate(fd, Length)));

    public override string Shell => $"truncate -s {Length} {Path}";

    public override IEnumerable<string> Touched => [Path];
}

/// <summary>Reads the whole file (up to 64 KiB) and shows its bytes.</summary>
public sealed record ReadOperation(string Path) : Operation
{
    private const int ShownBytes = 200;

    public override string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_RDONLY, 0, fd =>
        {
            var buffer = new byte[MaxBytes];
            int n = Posix.Posix.PRead(fd, buffer, 0);
            return n < 0 ? ErrnoNames.Of(n) : Outcome(buffer.AsSpan(0, n));
        });

    /// <summary>The most one read asks for.</summary>
    public const int MaxBytes = 65536;

    /// <summary>What a read that got <paramref name="data"/> reports.</summary>
    public static string Outcome(ReadOnlySpan<byte> data)
    {
        // Files grown by fallocate or a far write are mostly zeros: their text would drown the report.
        if (data.Length > ShownBytes)
            return $"ok {data.Length} bytes sha256={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data))[..16]}";
        return $"ok '{Encoding.UTF8.GetString(data).Replace("\0", "\\0", StringComparison.Ordinal)}'";
    }

    public override string Shell => $"cat {Path}";

    public override IEnumerable<string> Touched => [];
}
