using Strata.Image.Json;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata rmi [--root DIR] IMAGE: removes an image and the layers and blobs nothing else uses.</summary>
internal static class RmiCommand
{
    private const string UsageLine = "strata rmi [--root DIR] IMAGE";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], [], UsageLine);
        string name = parsed.Single("image", UsageLine);
        return ImageErrors.Run(() =>
        {
            var layout = new StoreLayout(parsed.Root);
            using var storeLock = StoreLock.Acquire(layout, TimeSpan.FromSeconds(30));
            ImageRecord image = new ImageStore(layout).Resolve(name);
            CleanupResult removed = new StoreCleaner(layout).RemoveImage(image);
            Console.WriteLine($"Deleted: {image.Id} ({removed.Layers} layers, {removed.Blobs} blobs)");
            return ExitCodes.Ok;
        });
    }
}
