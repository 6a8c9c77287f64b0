namespace Strata.Cli;

/// <summary>A command was asked for help (-h, --help): the usage goes to stdout, as it is, and the exit code is 0.</summary>
internal sealed class HelpRequestedException : Exception
{
    public HelpRequestedException()
        : base("help requested")
    {
    }

    public HelpRequestedException(string message)
        : base(message)
    {
    }

    public HelpRequestedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
