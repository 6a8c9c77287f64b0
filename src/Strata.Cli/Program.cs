using Strata.Cli.Commands;

namespace Strata.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            args = ImageArguments.MoveLeadingRoot(args);
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.Out.Write(Usage.Text);
                return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
            }
            // mount.fuse3 runs "strata SOURCE MOUNTPOINT -o OPTIONS", and SOURCE may be any word, a command's
            // name too (a mount of "layers"): no other command takes -o.
            if (IsMountHelperForm(args))
                return MountCommand.Run(args.AsSpan(1).ToArray(), source: args[0]);
            return args[0] switch
            {
                "mount" => MountCommand.Run(args.AsSpan(1).ToArray(), source: null),
                "umount" or "unmount" => UmountCommand.Run(args.AsSpan(1).ToArray()),
                "demo" => DemoCommand.Run(args.AsSpan(1).ToArray()),
                "stats" => StatsCommand.Run(args.AsSpan(1).ToArray()),
                "pull" => PullCommand.Run(args.AsSpan(1).ToArray()),
                "load" => LoadCommand.Run(args.AsSpan(1).ToArray()),
                "images" => ImagesCommand.Run(args.AsSpan(1).ToArray()),
                "inspect" => InspectCommand.Run(args.AsSpan(1).ToArray()),
                "layers" => LayersCommand.Run(args.AsSpan(1).ToArray()),
                "which" => WhichCommand.Run(args.AsSpan(1).ToArray()),
                "mount-image" => MountImageCommand.Run(args.AsSpan(1).ToArray()),
                "diff" => DiffCommand.Run(args.AsSpan(1).ToArray()),
                "rmi" => RmiCommand.Run(args.AsSpan(1).ToArray()),
                "prune" => PruneCommand.Run(args.AsSpan(1).ToArray()),
                "--version" or "version" => Version(),
                MountCommand.DaemonChildFlag => MountCommand.RunDaemonChild(args.AsSpan(1).ToArray()),
                // The mount helper form, as mount.fuse3 runs us: strata SOURCE MOUNTPOINT -o OPTIONS
                _ when !args[0].StartsWith('-') && args.Length >= 2 => MountCommand.Run(args.AsSpan(1).ToArray(), source: args[0]),
                _ => UnknownCommand(args[0]),
            };
        }
        catch (HelpRequestedException)
        {
            Console.Out.Write(Usage.Text);
            return ExitCodes.Ok;
        }
        catch (CliException e)
        {
            // Names from a hostile tar, registry or option string may hold newlines: the error stays one line.
            Console.Error.WriteLine($"strata: {Strata.Posix.Printable.Of(e.Message)}");
            return e.ExitCode;
        }
    }

    private static bool IsMountHelperForm(string[] args) =>
        args.Length >= 3 && args[0] != "mount" && !args[0].StartsWith('-') && !args[1].StartsWith('-') && args.AsSpan(2).Contains("-o");

    private static int Version()
    {
        Console.WriteLine($"strata {typeof(Program).Assembly.GetName().Version}");
        return ExitCodes.Ok;
    }

    private static int UnknownCommand(string command)
    {
        Console.Error.WriteLine($"strata: unknown command '{command}'; run 'strata --help' for the list");
        return ExitCodes.Usage;
    }
}
