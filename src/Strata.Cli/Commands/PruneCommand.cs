using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata prune [--root DIR]: removes writable layers whose mount is gone, then unused layers and blobs.</summary>
internal static class PruneCommand
{
    private const string UsageLine = "strata prune [--root DIR]";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], [], UsageLine);
        if (parsed.Positionals.Count > 0)
            throw new CliException($"unexpected argument '{parsed.Positionals[0]}'; usage: {UsageLine}", ExitCodes.Usage);
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            using var storeLock = StoreLock.Acquire(layout, TimeSpan.FromSeconds(30));
            StoreLock.ClearStaging(layout);
            CleanupResult removed = new StoreCleaner(layout).Prune(ContainerMounts.IsMounted);
            Console.WriteLine($"Removed {removed.Containers} writable layers, {removed.Layers} layers, {removed.Blobs} blobs, {removed.Strays} leftovers of interrupted commands");
            return ExitCodes.Ok;
        });
    }
}
