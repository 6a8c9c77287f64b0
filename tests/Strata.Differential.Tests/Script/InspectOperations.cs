using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>lstat; the outcome is the probe itself.</summary>
public sealed record StatOperation(string Path) : Operation
{
    public override string Run(Executor x) => x.Probe(Path);

    public override string Shell => $"stat {Path}";

    // A probe reads "path: type ..." or "path: ERRNO".
    public override string? Failure(string result)
    {
        string last = result[(result.LastIndexOf(": ", StringComparison.Ordinal) + 2)..];
        return ErrnoNames.IsName(last) ? last : null;
    }

    public override IEnumerable<string> Touched => [];
}

public sealed record ReadlinkOperation(string Path) : Operation
{
    public override string Run(Executor x) => x.ReadLink(Path);

    public override string Shell => $"readlink {Path}";

    // The outcome is the target itself or an errno's name.
    public override string? Failure(string result) => ErrnoNames.IsName(result) ? result : null;

    public override IEnumerable<string> Touched => [];
}

/// <summary>The names and d_types of a dir, sorted (the order of entries is not part of the contract).</summary>
public sealed record ReaddirOperation(string Path) : Operation
{
    public override string Run(Executor x) =>
        x.WithOpen(Path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, 0, fd =>
        {
            var names = new List<string>();
            Span<byte> buffer = stackalloc byte[8192];
            var e = new DirectoryEnumerator(fd, buffer);
            while (e.MoveNext())
            {
                string name = Encoding.UTF8.GetString(e.Name);
                if (e.Type != DtChr || !IsPhantom(x, Path, name)) names.Add($"{name}/{e.Type}");
            }
            return e.Error < 0 ? ErrnoNames.Of(e.Error) : Outcome(names);
        });

    /// <summary>What a listing of these entries ("name/d_type") reports: sorted, the order is not part of the contract.</summary>
    public static string Outcome(List<string> entries)
    {
        entries.Sort(StringComparer.Ordinal);
        return "ok " + string.Join(' ', entries);
    }

    public override string Shell => $"ls {Path}";

    private const byte DtChr = 2;

    /// <summary>
    /// The kernel reads a dir that exists in one layer only as it is, so a whiteout in it (one that has
    /// nothing below to hide) is listed, yet its lookup says ENOENT. Strata drops it; the harness skips it. A caller
    /// who may list the dir but not search it (r without x) cannot tell: such an entry is skipped on both sides.
    /// </summary>
    public static bool IsPhantom(Executor x, string dir, string name) =>
        x.Probe(dir == "." ? name : $"{dir}/{name}") is var probe
        && (probe.EndsWith(": ENOENT", StringComparison.Ordinal) || probe.EndsWith(": EACCES", StringComparison.Ordinal));

    public override IEnumerable<string> Touched => [];
}
