namespace Strata.Cli.Commands;

/// <summary>The command line of "strata mount" and of the mount helper form.</summary>
internal sealed record MountArguments(string MountPoint, IReadOnlyList<string> Options, bool Foreground, bool Debug, string? Source)
{
    public static MountArguments Parse(string[] args, string? source)
    {
        var options = new List<string>();
        string? mountPoint = null;
        bool foreground = false, debug = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "-o":
                    if (i + 1 >= args.Length) throw new CliException("-o needs options, e.g. -o lowerdir=L1:L0,upperdir=U,workdir=W", ExitCodes.Usage);
                    options.Add(args[++i]);
                    break;
                case "-f":
                    foreground = true;
                    break;
                case "-d":
                    debug = true;
                    foreground = true;
                    break;
                // mount(8) and mount.fuse3 may pass these; they mean nothing to us.
                case "-n" or "-s" or "-v":
                    break;
                case "-h" or "--help":
                    throw new HelpRequestedException();
                default:
                    if (a.StartsWith("-o", StringComparison.Ordinal) && a.Length > 2)
                        options.Add(a[2..]);
                    else if (a.StartsWith('-'))
                        throw new CliException($"unknown flag '{a}'; run 'strata --help'", ExitCodes.Usage);
                    else if (mountPoint is null)
                        mountPoint = a;
                    else
                        throw new CliException($"unexpected argument '{a}': give one mount point", ExitCodes.Usage);
                    break;
            }
        }
        if (mountPoint is null)
            throw new CliException("missing mount point: strata mount -o lowerdir=L1:L0,upperdir=U,workdir=W MOUNTPOINT", ExitCodes.Usage);
        if (options.Count == 0)
            throw new CliException("missing -o lowerdir=...: say which layers to mount", ExitCodes.Usage);
        return new MountArguments(mountPoint, options, foreground, debug, source);
    }

    /// <summary>The arguments again, as the background server process is given them.</summary>
    public IEnumerable<string> ToChildArguments()
    {
        foreach (string o in Options)
        {
            yield return "-o";
            yield return o;
        }
        if (Source is not null)
        {
            yield return "-o";
            yield return "fsname=" + Source.Replace(",", "\\,", StringComparison.Ordinal);
        }
        yield return MountPoint;
    }
}
