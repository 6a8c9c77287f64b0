namespace Strata.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("strata: not built yet");
        return args.Length == 0 ? 2 : 2;
    }
}
