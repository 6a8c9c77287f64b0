namespace Strata.Reliability.Tests.Crash;

/// <summary>
/// What the workload has done, as the kill may have left it: per object the version last acknowledged (the call
/// returned) and the one in flight when the server died (which may or may not have happened), and what was
/// fsynced. Carried across iterations, since each one goes on from where the last was killed.
/// </summary>
public sealed class CrashState
{
    /// <summary>The stamp at the start of a copied-up big file: acknowledged and in flight (0: none).</summary>
    public long[] BigStamp { get; } = new long[CrashLayout.BigFiles];

    public long[] BigStampInFlight { get; } = new long[CrashLayout.BigFiles];

    public long[] Replaced { get; } = new long[CrashLayout.Replaced];

    public long[] ReplacedInFlight { get; } = new long[CrashLayout.Replaced];

    /// <summary>Per rewritten file, the generation each 4 KiB block holds (a killed big write leaves a mix).</summary>
    public long[][] RewrittenBlocks { get; } = Enumerable.Range(0, CrashLayout.Rewritten).Select(_ => new long[CrashLayout.RewrittenLength / CrashLayout.Block]).ToArray();

    public long[] RewrittenInFlight { get; } = new long[CrashLayout.Rewritten];

    /// <summary>The generation last fsynced: every block must be at least that new.</summary>
    public long[] RewrittenSynced { get; } = new long[CrashLayout.Rewritten];

    public long Generation { get; set; }
}
