using System.Globalization;

namespace Strata.Cli.Commands;

/// <summary>Sizes and times as docker prints them (SI units).</summary>
internal static class Units
{
    public static string Size(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? $"{bytes}B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##}{units[unit]}");
    }

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "-";
}
