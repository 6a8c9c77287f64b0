using System.Globalization;

namespace Strata.Posix;

/// <summary>The supplementary groups of a thread, as /proc/TID/status lists them (creds are per thread).</summary>
public static class ProcessGroups
{
    /// <summary>The groups of the thread (or process) with this id; null when it is gone or cannot be read.</summary>
    public static uint[]? Of(int tid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{tid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (!line.StartsWith("Groups:", StringComparison.Ordinal))
                    continue;
                string[] fields = line["Groups:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                var groups = new uint[fields.Length];
                for (int i = 0; i < fields.Length; i++)
                {
                    if (!uint.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out groups[i]))
                        return null;
                }
                return groups;
            }
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
