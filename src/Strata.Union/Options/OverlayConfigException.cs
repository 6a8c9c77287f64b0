namespace Strata.Union.Options;

/// <summary>
/// A mount configuration the kernel's overlayfs would refuse, with the errno it would give and a one-line
/// message that names the option or path and the rule.
/// </summary>
public sealed class OverlayConfigException : Exception
{
    public OverlayConfigException(int errno, string message)
        : base(message)
    {
        Errno = errno;
    }

    public OverlayConfigException()
    {
    }

    public OverlayConfigException(string message)
        : base(message)
    {
    }

    public OverlayConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The (positive) errno the kernel gives for this mistake.</summary>
    public int Errno { get; }
}
