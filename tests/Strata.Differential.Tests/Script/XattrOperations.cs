using System.Text;
using Strata.Differential.Tests.Execution;
using Strata.Posix;

namespace Strata.Differential.Tests.Script;

/// <summary>
/// The xattr calls as setfattr/getfattr make them (following a final symlink): through an O_PATH fd of the
/// path, which the Posix layer reaches by its /proc/self/fd link.
/// </summary>
public abstract record XattrOperation(string Path) : Operation
{
    public override IEnumerable<string> Touched => [Path];

    protected static string OnPath(Executor x, string path, Func<int, string> body) => x.WithOpen(path, OpenFlags.O_PATH, 0, body);
}

public sealed record SetXattrOperation(string Path, string Name, string Value, int Flags) : XattrOperation(Path)
{
    public override string Run(Executor x) =>
        OnPath(x, Path, fd => Executor.Result(Posix.Posix.SetXattr(fd, Encoding.UTF8.GetBytes(Name), Encoding.UTF8.GetBytes(Value), Flags)));

    public override string Shell => $"setfattr -n {Name} -v '{Value}' {Path}" + Flags switch { Libc.XATTR_CREATE => "  # XATTR_CREATE", Libc.XATTR_REPLACE => "  # XATTR_REPLACE", _ => "" };
}

public sealed record GetXattrOperation(string Path, string Name) : XattrOperation(Path)
{
    public override string Run(Executor x) =>
        OnPath(x, Path, fd =>
        {
            Span<byte> value = stackalloc byte[1024];
            int n = Posix.Posix.GetXattr(fd, Encoding.UTF8.GetBytes(Name), value);
            return n < 0 ? ErrnoNames.Of(n) : Outcome(Name, value[..n]);
        });

    /// <summary>The value as text (an ACL in its short text form).</summary>
    public static string Outcome(string name, ReadOnlySpan<byte> value) =>
        name is AclText.AccessXattr or AclText.DefaultXattr ? $"ok {AclText.FromXattr(value)}" : $"ok '{Encoding.UTF8.GetString(value)}'";

    public override string Shell => $"getfattr -n {Name} {Path}";

    public override IEnumerable<string> Touched => [];
}

public sealed record ListXattrOperation(string Path) : XattrOperation(Path)
{
    public override string Run(Executor x) =>
        OnPath(x, Path, fd =>
        {
            Span<byte> list = stackalloc byte[4096];
            int n = Posix.Posix.ListXattr(fd, list);
            if (n < 0) return ErrnoNames.Of(n);
            return Outcome(Encoding.UTF8.GetString(list[..n]).Split('\0', StringSplitOptions.RemoveEmptyEntries));
        });

    public static string Outcome(IEnumerable<string> names) => "ok " + string.Join(' ', names.Order(StringComparer.Ordinal));

    public override string Shell => $"getfattr -d -m - {Path}";

    public override IEnumerable<string> Touched => [];
}

/// <summary>setfacl --set: the whole access ACL (or with <paramref name="Default"/> a dir's default ACL) at once.</summary>
public sealed record SetAclOperation(string Path, bool Default, string Text) : XattrOperation(Path)
{
    public override string Run(Executor x) =>
        OnPath(x, Path, fd => Executor.Result(Posix.Posix.SetXattr(fd, Encoding.UTF8.GetBytes(Default ? AclText.DefaultXattr : AclText.AccessXattr), AclText.ToXattr(Text))));

    public override string Shell => $"setfacl {(Default ? "-d " : "")}--set '{Text}' {Path}";
}

public sealed record RemoveXattrOperation(string Path, string Name) : XattrOperation(Path)
{
    public override string Run(Executor x) => OnPath(x, Path, fd => Executor.Result(Posix.Posix.RemoveXattr(fd, Encoding.UTF8.GetBytes(Name))));

    public override string Shell => $"setfattr -x {Name} {Path}";
}
