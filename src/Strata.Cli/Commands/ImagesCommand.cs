using Strata.Image;
using Strata.Image.Store;

namespace Strata.Cli.Commands;

/// <summary>strata images [--root DIR] [-q]: the images in the store with name, tag, id, created, size and layer count.</summary>
internal static class ImagesCommand
{
    private const string UsageLine = "strata images [--root DIR] [-q]";

    public static int Run(string[] args)
    {
        var parsed = ImageArguments.Parse(args, [], ["-q", "--quiet"], UsageLine);
        if (parsed.Positionals.Count > 0)
            throw new CliException($"unexpected argument '{parsed.Positionals[0]}'; usage: {UsageLine}", ExitCodes.Usage);
        return ImageErrors.Run(() =>
        {
            var images = new ImageStore(new StoreLayout(parsed.Root)).List();
            if (parsed.Has("-q") || parsed.Has("--quiet"))
            {
                foreach (string id in images.Select(i => i.Image.Id).Distinct())
                    Console.WriteLine(Digest.Parse(id).Short);
                return ExitCodes.Ok;
            }
            var rows = new List<string[]> { new[] { "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "LAYERS" } };
            foreach (TaggedImage image in images)
            {
                rows.Add([image.Name, image.Tag, Digest.Parse(image.Image.Id).Short, Units.Time(image.Image.Created),
                    Units.Size(image.Image.Size), image.Image.Layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (string[] row in rows)
                Console.WriteLine(string.Join("   ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))));
            return ExitCodes.Ok;
        });
    }
}
