using SharpFuzz;

namespace Strata.Fuzz;

/// <summary>
/// The AFL++ harness (SharpFuzz): <c>Strata.Fuzz tar|options</c> under afl-fuzz; <c>Strata.Fuzz tar|options
/// replay FILE...</c> runs inputs (a crash AFL found) once, outside AFL; <c>Strata.Fuzz tar|options seeds DIR</c>
/// writes the seed corpus. fuzz/run.sh builds, instruments and runs it.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("tar" or "options"))
        {
            Console.Error.WriteLine("usage: Strata.Fuzz tar|options [replay FILE... | seeds DIR]");
            return 2;
        }
        string sandbox = Directory.CreateTempSubdirectory("strata-fuzz-").FullName;
        try
        {
            var targets = new FuzzTargets(sandbox);
            Action<byte[]> target = args[0] == "tar" ? targets.Tar : targets.Options;
            if (args.Length == 3 && args[1] == "seeds")
            {
                Directory.CreateDirectory(args[2]);
                int n = 0;
                foreach (byte[] seed in args[0] == "tar" ? Seeds.Tars() : Seeds.Options())
                    File.WriteAllBytes(Path.Combine(args[2], $"seed-{n++}"), seed);
                return 0;
            }
            if (args.Length > 1 && args[1] == "replay")
            {
                foreach (string file in args[2..])
                    target(File.ReadAllBytes(file));
                Console.WriteLine($"{targets.Executions} inputs, {targets.Refused} refused with the documented error, no crash");
                return 0;
            }
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                target(copy.ToArray());
            });
            return 0;
        }
        finally
        {
            Directory.Delete(sandbox, recursive: true);
        }
    }
}
