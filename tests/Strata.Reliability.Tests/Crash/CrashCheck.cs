namespace Strata.Reliability.Tests.Crash;

/// <summary>
/// After a kill and a remount: every object must be one whole version the workload made (the acknowledged one
/// or the one in flight), never a partial copy-up, a torn replace, a lost or doubled rename; a big rewrite may be
/// cut between 4 KiB blocks (a write(2) has no atomicity) but each block is one version, none older than the
/// last fsync. On success the state becomes what was found, for the next iteration.
/// </summary>
public static class CrashCheck
{
    public static List<string> Verify(string root, CrashState state, bool update)
    {
        var errors = new List<string>();
        for (int k = 0; k < CrashLayout.BigFiles; k++) CheckBig(root, state, k, errors, update);
        for (int k = 0; k < CrashLayout.Replaced; k++) CheckReplaced(root, state, k, errors, update);
        for (int k = 0; k < CrashLayout.Moved; k++)
        {
            bool from = File.Exists(Path.Combine(root, CrashLayout.MoveFrom(k))), to = File.Exists(Path.Combine(root, CrashLayout.MoveTo(k)));
            if (from == to) errors.Add($"{CrashLayout.MoveFrom(k)} and {CrashLayout.MoveTo(k)}: {(from ? "both exist" : "neither exists")}");
            else if (File.ReadAllText(Path.Combine(root, from ? CrashLayout.MoveFrom(k) : CrashLayout.MoveTo(k))) != CrashLayout.MovedContent(k)) errors.Add($"moved file {k}: other content");
        }
        for (int k = 0; k < CrashLayout.Rewritten; k++) CheckRewritten(root, state, k, errors, update);
        return errors;
    }

    private static void CheckBig(string root, CrashState state, int k, List<string> errors, bool update)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(root, CrashLayout.Big(k)));
        string name = CrashLayout.Big(k);
        if (data.Length != CrashLayout.BigLength) { errors.Add($"{name}: {data.Length} bytes, a partial copy-up"); return; }
        for (int i = CrashLayout.StampLength; i < data.Length; i++)
        {
            if (data[i] != CrashLayout.BigByte(k, i)) { errors.Add($"{name}: byte {i} differs from the lower file (a partial copy-up)"); return; }
        }
        long stamp = BitConverter.ToInt64(data, 0);
        bool lowerStamp = Enumerable.Range(0, CrashLayout.StampLength).All(i => data[i] == CrashLayout.BigByte(k, i));
        if (lowerStamp && state.BigStamp[k] == 0) stamp = 0;
        else if (stamp != state.BigStamp[k] && stamp != state.BigStampInFlight[k])
        {
            errors.Add($"{name}: stamp {stamp}, expected {state.BigStamp[k]} or {state.BigStampInFlight[k]}");
            return;
        }
        if (update)
        {
            state.BigStamp[k] = stamp;
            state.BigStampInFlight[k] = 0;
        }
    }

    private static void CheckReplaced(string root, CrashState state, int k, List<string> errors, bool update)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(root, CrashLayout.Replace(k)));
        long found = -1;
        foreach (long gen in new[] { state.Replaced[k], state.ReplacedInFlight[k] })
        {
            if ((gen != 0 || state.Replaced[k] == 0) && data.AsSpan().SequenceEqual(CrashLayout.ReplacedContent(k, gen))) found = gen;
        }
        if (found < 0) { errors.Add($"{CrashLayout.Replace(k)}: neither version {state.Replaced[k]} nor {state.ReplacedInFlight[k]} ({data.Length} bytes)"); return; }
        if (update)
        {
            state.Replaced[k] = found;
            state.ReplacedInFlight[k] = 0;
        }
    }

    private static void CheckRewritten(string root, CrashState state, int k, List<string> errors, bool update)
    {
        string name = CrashLayout.Rewrite(k);
        byte[] data = File.ReadAllBytes(Path.Combine(root, name));
        if (data.Length != CrashLayout.RewrittenLength) { errors.Add($"{name}: {data.Length} bytes"); return; }
        long[] blocks = state.RewrittenBlocks[k];
        long inFlight = state.RewrittenInFlight[k];
        var found = new long[blocks.Length];
        for (int b = 0; b < blocks.Length; b++)
        {
            ReadOnlySpan<byte> block = data.AsSpan(b * CrashLayout.Block, CrashLayout.Block);
            byte first = block[0];
            if (block.IndexOfAnyExcept(first) >= 0) { errors.Add($"{name}: block {b} is torn"); return; }
            if (first == CrashLayout.RewriteByte(k, blocks[b])) found[b] = blocks[b];
            else if (inFlight != 0 && first == CrashLayout.RewriteByte(k, inFlight)) found[b] = inFlight;
            else { errors.Add($"{name}: block {b} holds {first}, expected generation {blocks[b]} or {inFlight}"); return; }
            if (found[b] < state.RewrittenSynced[k]) { errors.Add($"{name}: block {b} is older than the fsynced generation {state.RewrittenSynced[k]}"); return; }
        }
        if (update)
        {
            found.CopyTo(blocks, 0);
            state.RewrittenInFlight[k] = 0;
        }
    }
}
