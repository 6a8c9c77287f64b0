using System.Runtime.InteropServices;
using Strata.Fuse;
using Strata.Mount;
using Strata.Union;
using Strata.Union.Options;

namespace Strata.Cli.Commands;

/// <summary>
/// strata mount: in the foreground it serves until unmounted; otherwise it starts itself again as a
/// detached server process and returns once that process reports the mount live (or its error).
/// </summary>
internal static class MountCommand
{
    public const string DaemonChildFlag = "--serve-detached";

    public static int Run(string[] args, string? source)
    {
        var parsed = MountArguments.Parse(args, source);
        if (!parsed.Foreground)
            return Daemon.StartAndWaitForReady(DaemonChildFlag, parsed.ToChildArguments());
        return Serve(parsed, onLive: null);
    }

    public static int RunDaemonChild(string[] args)
    {
        Daemon.LeaveTerminalSession();
        try
        {
            var parsed = MountArguments.Parse(args, source: null);
            return Serve(parsed with { Foreground = true }, Daemon.ReportReadyAndDetach);
        }
        catch (CliException e)
        {
            Daemon.ReportError(e.ExitCode, e.Message);
            return e.ExitCode;
        }
    }

    private static int Serve(MountArguments args, Action? onLive)
    {
        OverlayOptions options = ParseOptions(args);
        // SIGTERM (and ^C in the foreground) unmounts; the readers then end and Wait returns. The handlers are
        // in place before the mount exists, so that a signal never finds the mount up and nobody to end it.
        using var termination = new Termination();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, termination.Request);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, termination.Request);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);

        OverlayMount mount;
        try
        {
            mount = OverlayMount.Start(options, args.MountPoint, args.Debug || options.Debug ? Console.Error : null);
        }
        catch (Exception e) when (e is OverlayConfigException or LayerStackException or FuseMountException)
        {
            throw new CliException(e.Message);
        }

        using (mount)
        {
            termination.Attach(mount);
            onLive?.Invoke();
            mount.Wait();
            if (mount.WasAborted)
            {
                Console.Error.WriteLine($"strata: the kernel aborted the connection of {mount.MountPoint} (a request stayed unanswered longer than request_timeout, or it was aborted through fusectl); its callers got ECONNABORTED; the dead mount is detached and the server exits");
                return ExitCodes.Failure;
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>A termination request that may come before the mount is up: it then takes effect as soon as it is.</summary>
    private sealed class Termination : IDisposable
    {
        private readonly Lock _gate = new();
        private OverlayMount? _mount;
        private bool _requested;

        public void Request(PosixSignalContext context)
        {
            context.Cancel = true;
            lock (_gate)
            {
                _requested = true;
                if (_mount is not null) FuseMount.TryUnmount(_mount.MountPoint, lazy: true, out _);
            }
        }

        public void Attach(OverlayMount mount)
        {
            lock (_gate)
            {
                _mount = mount;
                if (_requested) FuseMount.TryUnmount(mount.MountPoint, lazy: true, out _);
            }
        }

        public void Dispose()
        {
            lock (_gate) _mount = null;
        }
    }

    private static OverlayOptions ParseOptions(MountArguments args)
    {
        try
        {
            OverlayOptions options = OverlayOptionsParser.Parse(args.Options, Environment.CurrentDirectory);
            return args.Source is not null && options.FsName is null ? options with { FsName = args.Source } : options;
        }
        catch (OverlayConfigException e)
        {
            throw new CliException(e.Message, ExitCodes.Usage);
        }
    }
}
