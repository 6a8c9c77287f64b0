using Strata.Posix;
using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// strata mount-image [--root DIR] [--driver strata|kernel] IMAGE ROOTFS: a new writable layer in the store over
/// the image's layers, mounted at ROOTFS by our FUSE server (as strata mount does it) or by kernel overlayfs.
/// A mount that fails takes its new layer with it.
/// </summary>
internal static class MountImageCommand
{
    private const string UsageLine = "strata mount-image [--root DIR] [--driver strata|kernel] IMAGE ROOTFS";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, ["--driver"], [], UsageLine);
        if (parsed.Positionals.Count != 2)
            throw new CliException($"give an image and a rootfs dir; usage: {UsageLine}", ExitCodes.Usage);
        string driver = parsed.Value("--driver") ?? "strata";
        if (driver is not ("strata" or "kernel"))
            throw new CliException($"unknown driver '{driver}': strata or kernel", ExitCodes.Usage);
        string rootFs = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parsed.Positionals[1]));
        if (!Directory.Exists(rootFs))
            throw new CliException($"the rootfs dir '{parsed.Positionals[1]}' does not exist");
        if (MountInfo.Find(rootFs) is { } existing)
            throw new CliException($"'{parsed.Positionals[1]}' is already a mount point ({existing.FsType})");

        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            // Held until the mount is live, so that a prune never takes a layer whose mount is on its way.
            using var storeLock = StoreLock.Acquire(layout, LockTimeout);
            layout.EnsureCreated();
            ImageRecord image = new ImageStore(layout).Resolve(parsed.Positionals[0]);
            var stack = new ImageLayerStack(layout, image);
            var containers = new ContainerStore(layout);
            ContainerRecord container = containers.Create(image, rootFs, driver);
            try
            {
                if (driver == "kernel")
                    KernelOverlayMount.Mount(layout, stack.ShortLinks, container.Id, container.MountSource, rootFs);
                else
                    MountWithServer(stack, containers, container);
            }
            catch
            {
                containers.Remove(container);
                throw;
            }
            Console.WriteLine(container.Id);
            return ExitCodes.Ok;
        });
    }

    private static void MountWithServer(ImageLayerStack stack, ContainerStore containers, ContainerRecord container)
    {
        string options = $"lowerdir={string.Join(':', stack.DiffDirs.Select(Escape))},upperdir={Escape(containers.DiffDir(container))},workdir={Escape(containers.WorkDir(container))}";
        var mount = new MountArguments(container.RootFs, [options], Foreground: false, Debug: false, Source: container.MountSource);
        Daemon.StartAndWaitForReady(MountCommand.DaemonChildFlag, mount.ToChildArguments());
    }

    /// <summary>A store path inside mount options: backslash, colon and comma escaped, as the options parser (and the kernel) unescape them.</summary>
    private static string Escape(string path) =>
        path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);
}
