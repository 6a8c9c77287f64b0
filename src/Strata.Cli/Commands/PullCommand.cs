using Strata.Cli.Progress;
using Strata.Image;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http | --insecure] [--no-devices] [-q] IMAGE: fetches an image into the store.</summary>
internal static class PullCommand
{
    private const string UsageLine = "strata pull [--root DIR] [--platform OS/ARCH[/VARIANT]] [--plain-http | --insecure] [--no-devices] [-q] IMAGE";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, ["--platform"], ["--plain-http", "--insecure", "--no-devices", "-q", "--quiet"], UsageLine);
        string text = parsed.Single("image", UsageLine);
        if (parsed.Has("--plain-http") && parsed.Has("--insecure"))
            throw new CliException($"give --plain-http or --insecure, not both; usage: {UsageLine}", ExitCodes.Usage);
        return ImageErrors.Run(() =>
        {
            ImageReference reference = ImageReference.Parse(text);
            var options = new PullOptions
            {
                Platform = parsed.Value("--platform") is { } p ? Platform.Parse(p) : Platform.Host,
                PlainHttp = parsed.Has("--plain-http"),
                Insecure = parsed.Has("--insecure"),
                Unpack = new Strata.Image.Unpack.UnpackOptions { AllowDeviceNodes = !parsed.Has("--no-devices") },
            };
            bool quiet = parsed.Has("-q") || parsed.Has("--quiet");
            PullResult result;
            using (ProgressDisplay display = ProgressDisplay.Create(quiet, ProgressWords.Pull))
                result = new Puller(new StoreLayout(parsed.Root), display.Progress).PullAsync(reference, options).GetAwaiter().GetResult();
            Console.WriteLine(quiet
                ? result.Image.Id
                : $"pulled {reference}: {result.Image.Id} ({result.LayersDownloaded} layers fetched, {result.LayersPresent} already present)");
            return ExitCodes.Ok;
        });
    }
}
