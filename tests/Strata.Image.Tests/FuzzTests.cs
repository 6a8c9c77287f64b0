using System.Diagnostics;
using Strata.Fuzz;
using Strata.Image.Tests.Support;
using Strata.Testing;

namespace Strata.Image.Tests;

/// <summary>
/// Bounded, seeded mutation fuzzing in-process, with the invariants of the AFL++ harness (fuzz/FuzzTargets.cs):
/// the tar reader and unpacker fail only with ImageException and write nothing outside the layer dir; the
/// option parser and validator fail only with OverlayConfigException. A failure names the seed, the iteration
/// and the input. STRATA_FUZZ_ITERATIONS and STRATA_FUZZ_SEED run it longer, or replay one, by hand.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private readonly TempDir _dir = new("strata-fuzz-");

    public void Dispose() => _dir.Dispose();

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out int value) ? value : fallback;

    private static void Run(string what, int iterations, Func<Random, byte[]> input, Action<byte[]> target)
    {
        int seed = EnvInt("STRATA_FUZZ_SEED", 1);
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            byte[] data = input(random);
            try
            {
                target(data);
            }
            catch (Exception e)
            {
                string hex = Convert.ToHexString(data.AsSpan(0, Math.Min(data.Length, 2048)));
                Assert.Fail($"{what} fuzz, seed {seed}, iteration {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}\ninput ({data.Length} bytes): {hex}");
            }
        }
        Console.WriteLine($"{what} fuzz: seed {seed}, {iterations} executions in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void The_tar_reader_and_unpacker_fail_only_with_the_documented_error_and_write_only_the_layer()
    {
        var targets = new FuzzTargets(_dir.Path);
        List<byte[]> seeds = [.. Seeds.Tars(), SampleLayers.Base(), SampleLayers.Changes(),
            .. HostileTars.All.Where(h => h.Compression == LayerCompression.None).Select(h => h.Build(Path.Combine(_dir.Path, "outside")))];
        int iterations = EnvInt("STRATA_FUZZ_ITERATIONS", 10000);
        Run("tar", iterations, random => random.Next(20) == 0 ? seeds[random.Next(seeds.Count)] : new Mutator(random).MutateTar(seeds[random.Next(seeds.Count)], seeds), targets.Tar);
        Assert.Equal(iterations, targets.Executions);
        // Mutations that all died at the first check would prove little: some must unpack, many must be refused.
        Assert.InRange(targets.Refused, iterations / 10, iterations - iterations / 20);
        Console.WriteLine($"tar fuzz: {targets.Refused} refused with ImageException, {iterations - targets.Refused} unpacked");
    }

    [Fact]
    public void The_option_parser_and_validator_fail_only_with_the_documented_error()
    {
        var targets = new FuzzTargets(_dir.Path);
        List<byte[]> seeds = [.. Seeds.Options()];
        int iterations = EnvInt("STRATA_FUZZ_ITERATIONS", 10000) * 5;
        Run("options", iterations, random => new Mutator(random).MutateOptions(seeds[random.Next(seeds.Count)]), targets.Options);
        Assert.InRange(targets.Refused, iterations / 10, iterations - iterations / 200);
        Console.WriteLine($"options fuzz: {targets.Refused} refused with OverlayConfigException, {iterations - targets.Refused} valid");
    }
}
