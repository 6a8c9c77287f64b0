namespace Strata.Image.Registry;

/// <summary>
/// How the registry client retries an idempotent GET that failed in a way that may pass (a 5xx, 408 or 429,
/// a reset or refused connection, a body cut short, stalled or with the wrong bytes): a few attempts with
/// doubling backoff, or the wait a 429/503 asks for in Retry-After when that is not too long. Every attempt
/// is bounded (headers within ResponseTimeout, no body byte for StallTimeout ends it), so a pull that keeps
/// failing ends within Attempts × (the bounds + MaxBackoff).
/// </summary>
public sealed record RetryPolicy
{
    public static readonly RetryPolicy Default = new();

    public int Attempts { get; init; } = 5;

    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>A longer Retry-After is not waited for: the pull fails and says when to try again.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Backoff(int failedAttempts) =>
        TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << Math.Min(failedAttempts - 1, 20), MaxBackoff.Ticks));
}
