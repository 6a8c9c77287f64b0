namespace Strata.Image;

/// <summary>
/// An error of the image store meant for the user: the message is one line that names the image, blob or
/// path at fault. Subclasses say which stage failed.
/// </summary>
public class ImageException : Exception
{
    public ImageException()
    {
    }

    public ImageException(string message)
        : base(message)
    {
    }

    public ImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A blob whose size or digest is not what the manifest or config promised.</summary>
public sealed class BlobVerificationException : ImageException
{
    public BlobVerificationException()
    {
    }

    public BlobVerificationException(string message)
        : base(message)
    {
    }

    public BlobVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A layer tar that tries to write outside its layer dir or otherwise cannot be unpacked safely.</summary>
public sealed class HostileLayerException : ImageException
{
    public HostileLayerException()
    {
    }

    public HostileLayerException(string message)
        : base(message)
    {
    }

    public HostileLayerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The registry refused or failed a request (status, auth, unknown manifest).</summary>
public sealed class RegistryException : ImageException
{
    public RegistryException()
    {
    }

    public RegistryException(string message, int status, TimeSpan? retryAfter)
        : base(message)
    {
        Status = status;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status the registry answered, when that was the failure.</summary>
    public int? Status { get; }

    /// <summary>How long the registry asked us to wait (Retry-After of a 429 or 503).</summary>
    public TimeSpan? RetryAfter { get; }

    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
