using Strata.Differential.Tests.Script;

namespace Strata.Differential.Tests.Facade;

/// <summary>
/// The whole merged tree through one runner, in the harness's words: each dir's listing, then per entry its probe,
/// its xattrs and, for a file, its contents. Run on both sides, the lines must be the same.
/// </summary>
public static class MergedWalk
{
    private const byte DtDir = 4;
    private const byte DtReg = 8;

    public static List<string> Lines(IStepRunner runner)
    {
        var lines = new List<string>();
        var dirs = new Queue<string>([""]);
        while (dirs.Count > 0)
        {
            string dir = dirs.Dequeue();
            string listing = runner.Run(new ReaddirOperation(dir.Length == 0 ? "." : dir));
            lines.Add($"{(dir.Length == 0 ? "." : dir)}/ {listing}");
            if (!listing.StartsWith("ok", StringComparison.Ordinal))
                continue;
            foreach (string entry in listing[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                int slash = entry.LastIndexOf('/');
                string path = dir.Length == 0 ? entry[..slash] : $"{dir}/{entry[..slash]}";
                byte type = byte.Parse(entry[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                lines.Add(runner.Probe(path));
                lines.Add($"{path} xattrs {runner.Run(new ListXattrOperation(path))}");
                if (type == DtReg)
                    lines.Add($"{path} data {runner.Run(new ReadOperation(path))}");
                else if (type == DtDir)
                    dirs.Enqueue(path);
            }
        }
        return lines;
    }
}
