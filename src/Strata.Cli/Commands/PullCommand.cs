using Strata.Image;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http] [-q] IMAGE: fetches an image into the store.</summary>
internal static class PullCommand
{
    private const string UsageLine = "strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http] [--no-devices] [-q] IMAGE";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, ["--platform"], ["--plain-http", "--no-devices", "-q", "--quiet"], UsageLine);
        string text = parsed.Single("image", UsageLine);
        return ImageErrors.Run(() =>
        {
            ImageReference reference = ImageReference.Parse(text);
            var options = new PullOptions
            {
                Platform = parsed.Value("--platform") is { } p ? Platform.Parse(p) : Platform.Host,
                PlainHttp = parsed.Has("--plain-http"),
                Unpack = new Strata.Image.Unpack.UnpackOptions { AllowDeviceNodes = !parsed.Has("--no-devices") },
            };
            bool quiet = parsed.Has("-q") || parsed.Has("--quiet");
            var puller = new Puller(new StoreLayout(parsed.Root), quiet ? null : Console.Out);
            PullResult result = puller.PullAsync(reference, options).GetAwaiter().GetResult();
            Console.WriteLine(quiet
                ? result.Image.Id
                : $"pulled {reference}: {result.Image.Id} ({result.LayersDownloaded} layers fetched, {result.LayersPresent} already present)");
            return ExitCodes.Ok;
        });
    }
}
