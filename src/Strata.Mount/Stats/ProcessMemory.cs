namespace Strata.Mount.Stats;

/// <summary>This process's resident memory, from /proc/self/status.</summary>
internal static class ProcessMemory
{
    public static (long Resident, long PeakResident) Read()
    {
        long rss = 0, hwm = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line);
        }
        return (rss * 1024, hwm * 1024);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
