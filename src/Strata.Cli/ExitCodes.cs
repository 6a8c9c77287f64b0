namespace Strata.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The mount or unmount could not be done (bad layers, bad mount point, kernel refusal).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
}
