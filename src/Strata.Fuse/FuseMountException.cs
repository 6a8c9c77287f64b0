namespace Strata.Fuse;

/// <summary>Mounting or unmounting failed; <see cref="Errno"/> says why.</summary>
public sealed class FuseMountException : Exception
{
    public FuseMountException()
    {
    }

    public FuseMountException(string message)
        : base(message)
    {
    }

    public FuseMountException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FuseMountException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>The (positive) errno of the failed call.</summary>
    public int Errno { get; }
}
