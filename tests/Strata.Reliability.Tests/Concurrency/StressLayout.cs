namespace Strata.Reliability.Tests.Concurrency;

/// <summary>The lower layer of the stress run and the bytes its files hold, so any view of them can be checked.</summary>
public static class StressLayout
{
    public const int SharedFiles = 8;
    public const int SharedLength = 1 << 20;
    public const int ReadOnlyFiles = 40;
    public const int LowerFilesPerWorker = 3;

    public static string Own(int worker) => $"own/t{worker}";

    public static string Shared(int k) => $"shared/s{k}";

    /// <summary>The lower content of shared file k at an offset.</summary>
    public static byte SharedByte(int k, long offset) => (byte)((offset * 31) + k);

    public static string LowerContent(int worker, int k) => $"lower t{worker} f{k}";

    public static IEnumerable<string> ReadOnlyNames => Enumerable.Range(0, ReadOnlyFiles).Select(i => $"r{i}");

    public static void Write(string lower, int workers)
    {
        for (int w = 0; w < workers; w++)
        {
            Directory.CreateDirectory(Path.Combine(lower, Own(w)));
            for (int k = 0; k < LowerFilesPerWorker; k++) File.WriteAllText(Path.Combine(lower, Own(w), $"f{k}"), LowerContent(w, k));
        }
        Directory.CreateDirectory(Path.Combine(lower, "shared"));
        for (int k = 0; k < SharedFiles; k++)
        {
            var data = new byte[SharedLength];
            for (int i = 0; i < data.Length; i++) data[i] = SharedByte(k, i);
            File.WriteAllBytes(Path.Combine(lower, Shared(k)), data);
        }
        Directory.CreateDirectory(Path.Combine(lower, "ro"));
        foreach (string name in ReadOnlyNames) File.WriteAllText(Path.Combine(lower, "ro", name), name);
    }
}
