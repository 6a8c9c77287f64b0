using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>lstat; the outcome is the probe itself.</summary>
public sealed record StatOperation(string Path) : Operation
{
    public override string Run(Executor x) => x.Probe(Path);

    public override string Shell => $"stat {Path}";

    public override IEnumerable<string> Touched => [];
}

public sealed record ReadlinkOperation(string Path) : Operation
{
    public override string Run(Executor x) => x.ReadLink(Path);

    public override string Shell => $"readlink {Path}";

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
            while (e.MoveNext()) names.Add($"{Encoding.UTF8.GetString(e.Name)}/{e.Type}");
            if (e.Error < 0) return ErrnoNames.Of(e.Error);
            names.Sort(StringComparer.Ordinal);
            return "ok " + string.Join(' ', names);
        });

    public override string Shell => $"ls {Path}";

    public override IEnumerable<string> Touched => [];
}
