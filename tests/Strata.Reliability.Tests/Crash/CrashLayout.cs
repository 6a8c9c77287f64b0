namespace Strata.Reliability.Tests.Crash;

/// <summary>
/// What the crash runs work on, and the contents every version of it has, so that a file found after a kill
/// can be told to be one whole version or not: big lower files to copy up (each stamped at its start once up),
/// files replaced by write-then-rename, lower files renamed once, and big files rewritten in place.
/// </summary>
public static class CrashLayout
{
    public const int BigFiles = 16;
    public const int BigLength = 8 << 20;
    public const int StampLength = 8;
    public const int Replaced = 6;
    public const int ReplacedLength = 64 << 10;
    public const int Moved = 8;
    public const int Rewritten = 2;
    public const int RewrittenLength = 16 << 20;
    public const int Block = 4096;

    public static string Big(int k) => $"big/b{k}";

    public static string Replace(int k) => $"ren/r{k}";

    public static string ReplaceTemp(int k) => $"ren/.r{k}.tmp";

    public static string MoveFrom(int k) => $"mv/l{k}";

    public static string MoveTo(int k) => $"mv/m{k}";

    public static string Rewrite(int k) => $"rw/w{k}";

    public static string MovedContent(int k) => $"moved file {k}";

    public static byte BigByte(int k, long offset) => (byte)((offset / 7) + (k * 13));

    /// <summary>Version <paramref name="generation"/> of a replaced file (0: the lower one).</summary>
    public static byte[] ReplacedContent(int k, long generation)
    {
        var data = new byte[ReplacedLength];
        new Random((int)(generation * 100 + k)).NextBytes(data);
        return data;
    }

    /// <summary>Every block of a rewritten file at a generation holds this byte (0: never written).</summary>
    public static byte RewriteByte(int k, long generation) => (byte)(generation == 0 ? 0 : 1 + ((generation * 3 + k) % 250));

    /// <summary>Removes the upper copies of the big and rewritten files (with the mount down): they read as the lower ones again.</summary>
    public static void ResetCopies(string upper, CrashState state)
    {
        for (int k = 0; k < BigFiles; k++)
        {
            File.Delete(Path.Combine(upper, Big(k)));
            state.BigStamp[k] = 0;
        }
        for (int k = 0; k < Rewritten; k++)
        {
            File.Delete(Path.Combine(upper, Rewrite(k)));
            Array.Fill(state.RewrittenBlocks[k], 0L);
            state.RewrittenSynced[k] = 0;
        }
    }

    public static void Write(string lower)
    {
        foreach (string d in new[] { "big", "ren", "mv", "rw" }) Directory.CreateDirectory(Path.Combine(lower, d));
        for (int k = 0; k < BigFiles; k++)
        {
            var data = new byte[BigLength];
            for (int i = 0; i < data.Length; i++) data[i] = BigByte(k, i);
            File.WriteAllBytes(Path.Combine(lower, Big(k)), data);
        }
        for (int k = 0; k < Replaced; k++) File.WriteAllBytes(Path.Combine(lower, Replace(k)), ReplacedContent(k, 0));
        for (int k = 0; k < Moved; k++) File.WriteAllText(Path.Combine(lower, MoveFrom(k)), MovedContent(k));
        // Rewritten files start in the lower layer too (generation 0, real zero blocks): the first rewrite copies 16 MiB up.
        for (int k = 0; k < Rewritten; k++) File.WriteAllBytes(Path.Combine(lower, Rewrite(k)), new byte[RewrittenLength]);
    }
}
