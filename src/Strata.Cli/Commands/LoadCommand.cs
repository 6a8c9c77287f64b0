using Strata.Cli.Progress;
using Strata.Image;
using Strata.Image.Import;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>
/// strata load [--root DIR] [--name NAME[:TAG]] [--platform OS/ARCH[/VARIANT]] [-q] FILE|DIR|-: imports a docker
/// save archive, an OCI layout dir or an OCI archive into the store without a registry; prints what it loaded
/// as docker load does.
/// </summary>
internal static class LoadCommand
{
    private const string UsageLine = "strata load [--root DIR] [--name NAME[:TAG]] [--platform OS/ARCH[/VARIANT]] [-q] FILE|DIR|-";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, ["--name", "--platform", "-i", "--input"], ["-q", "--quiet"], UsageLine);
        string? input = parsed.Value("-i") ?? parsed.Value("--input");
        string path = input is not null && parsed.Positionals.Count == 0 ? input
            : input is null ? parsed.Single("archive", UsageLine)
            : throw new CliException($"give the archive once, with -i or as an argument; usage: {UsageLine}", ExitCodes.Usage);
        bool quiet = parsed.Has("-q") || parsed.Has("--quiet");
        return ImageErrors.Run(() =>
        {
            var options = new LoadOptions
            {
                Platform = parsed.Value("--platform") is { } p ? Platform.Parse(p) : Platform.Host,
                Name = parsed.Value("--name") is { } n ? ImageReference.Parse(n) : null,
            };
            IReadOnlyList<LoadedImage> loaded;
            using (ProgressDisplay display = ProgressDisplay.Create(quiet, ProgressWords.Load))
                loaded = new ArchiveLoader(new StoreLayout(parsed.Root), display.Progress).LoadAsync(path, options).GetAwaiter().GetResult();
            foreach (LoadedImage image in loaded)
            {
                if (quiet)
                {
                    Console.WriteLine(image.Result.Image.Id);
                    continue;
                }
                foreach (ImageReference name in image.Names)
                    Console.WriteLine($"Loaded image: {name}");
                if (image.Names.Count == 0)
                {
                    string hint = image.BareTags.Count > 0 ? $" (its ref name '{image.BareTags[0]}' is only a tag; --name NAME[:TAG] names it)" : " (no name in the archive; --name NAME[:TAG] names it)";
                    Console.WriteLine($"Loaded image ID: {image.Result.Image.Id}{hint}");
                }
            }
            return ExitCodes.Ok;
        });
    }
}
