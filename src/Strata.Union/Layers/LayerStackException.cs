namespace Strata.Union;

/// <summary>A layer directory could not be opened or prepared; names the path and the errno.</summary>
public sealed class LayerStackException : Exception
{
    public LayerStackException(int errno, string path, string message)
        : base($"{path}: {message}: {Strata.Posix.Errno.Describe(errno)}")
    {
        Errno = Math.Abs(errno);
        Path = path;
    }

    public LayerStackException()
    {
        Path = string.Empty;
    }

    public LayerStackException(string message)
        : base(message)
    {
        Path = string.Empty;
    }

    public LayerStackException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
    }

    /// <summary>The (positive) errno of the failure.</summary>
    public int Errno { get; }

    public string Path { get; }
}
