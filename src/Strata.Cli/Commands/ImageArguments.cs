using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// The command line of an image command: <c>--root DIR</c> (else $STRATA_ROOT, else /var/lib/strata), the
/// command's own flags (with or without a value), and the positional arguments.
/// </summary>
internal sealed class ImageArguments
{
    private readonly Dictionary<string, string?> _flags = new(StringComparer.Ordinal);

    private ImageArguments(string root, List<string> positionals)
    {
        Root = root;
        Positionals = positionals;
    }

    public string Root { get; }

    public IReadOnlyList<string> Positionals { get; }

    public bool Has(string flag) => _flags.ContainsKey(flag);

    public string? Value(string flag) => _flags.TryGetValue(flag, out string? v) ? v : null;

    /// <param name="args">The arguments after the command name.</param>
    /// <param name="valueFlags">Flags that take a value (besides --root).</param>
    /// <param name="boolFlags">Flags without a value.</param>
    /// <param name="usage">The command's usage line, for errors.</param>
    public static ImageArguments Parse(string[] args, string[] valueFlags, string[] boolFlags, string usage)
    {
        string? root = null;
        var positionals = new List<string>();
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-') || a == "-")
            {
                positionals.Add(a);
                continue;
            }
            string name = a;
            string? value = null;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = a[..eq];
                value = a[(eq + 1)..];
            }
            if (name == "--root" || valueFlags.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Length)
                        throw new CliException($"{name} needs a value; usage: {usage}", ExitCodes.Usage);
                    value = args[++i];
                }
                if (value.Length == 0)
                    throw new CliException($"{name} needs a non-empty value; usage: {usage}", ExitCodes.Usage);
                if (name == "--root")
                    root = value;
                else
                    flags[name] = value;
            }
            else if (boolFlags.Contains(name) && value is null)
            {
                flags[name] = null;
            }
            else
            {
                throw new CliException($"unknown flag '{a}'; usage: {usage}", ExitCodes.Usage);
            }
        }
        var parsed = new ImageArguments(StoreLayout.ResolveRoot(root), positionals);
        foreach ((string k, string? v) in flags)
            parsed._flags[k] = v;
        return parsed;
    }

    /// <summary>
    /// <c>strata --root DIR CMD ...</c> as <c>strata CMD --root DIR ...</c>: the store option may come before
    /// the command, as docker's global options do.
    /// </summary>
    public static string[] MoveLeadingRoot(string[] args)
    {
        int take = args.Length >= 1 && args[0].StartsWith("--root=", StringComparison.Ordinal) ? 1
            : args.Length >= 2 && args[0] == "--root" ? 2
            : 0;
        if (take == 0 || args.Length <= take)
            return args;
        return [args[take], .. args[..take], .. args[(take + 1)..]];
    }

    /// <summary>Exactly one positional argument, or a usage error naming it.</summary>
    public string Single(string what, string usage)
    {
        if (Positionals.Count == 0)
            throw new CliException($"missing {what}; usage: {usage}", ExitCodes.Usage);
        if (Positionals.Count > 1)
            throw new CliException($"unexpected argument '{Positionals[1]}': give one {what}; usage: {usage}", ExitCodes.Usage);
        return Positionals[0];
    }
}
