namespace Strata.Reliability.Tests.Support;

/// <summary>Sizes of the runs: CI's by default, longer by hand through environment variables.</summary>
public static class Settings
{
    public static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;
}
