using Strata.Image.Diff;
using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata diff [--root DIR] ROOTFS: what the writable layer mounted at ROOTFS changed, as docker diff shows it.</summary>
internal static class DiffCommand
{
    private const string UsageLine = "strata diff [--root DIR] ROOTFS";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], [], UsageLine);
        string given = parsed.Single("rootfs", UsageLine);
        string rootFs = Path.TrimEndingDirectorySeparator(Path.GetFullPath(given));
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            var containers = new ContainerStore(layout);
            ContainerRecord container = containers.FindByRootFs(rootFs)
                ?? throw new CliException($"no writable layer of the store {layout.Root} is mounted at '{given}' (made by strata mount-image)");
            var image = new ImageStore(layout).Find(Strata.Image.Digest.Parse(container.ImageId))
                ?? throw new CliException($"the image {container.ImageId} of '{given}' is gone from the store");
            var stack = new ImageLayerStack(layout, image);
            foreach (Change change in LayerDiff.Compute(containers.DiffDir(container), stack.DiffDirs))
                Console.WriteLine(change);
            return ExitCodes.Ok;
        });
    }
}
