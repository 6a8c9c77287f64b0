namespace Strata.Cli;

/// <summary>An error for the user: printed as one line "strata: MESSAGE", then the process exits with ExitCode.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.Failure)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Failure;
}
