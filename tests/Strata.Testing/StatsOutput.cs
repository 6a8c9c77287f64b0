using System.Globalization;
using System.Text.RegularExpressions;

namespace Strata.Testing;

/// <summary>The numbers "strata stats" prints, one "label:   N" line each.</summary>
public static class StatsOutput
{
    /// <summary>The number on the line of <paramref name="label"/> (e.g. "requests handled"); throws when there is none.</summary>
    public static long Counter(ProcessResult stats, string label)
    {
        if (stats.ExitCode != 0)
            throw new InvalidOperationException($"strata stats exited {stats.ExitCode}: {stats.StandardError}");
        Match m = Regex.Match(stats.StandardOutput, Regex.Escape(label) + @":\s+(\d+)");
        if (!m.Success)
            throw new InvalidOperationException($"strata stats printed no '{label}': {stats.StandardOutput}");
        return long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
