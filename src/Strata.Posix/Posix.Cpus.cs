using System.Globalization;

namespace Strata.Posix;

/// <summary>CPUs as the kernel numbers them, and the calling thread's place on them.</summary>
public static unsafe partial class Posix
{
    /// <summary>
    /// The number of CPU ids the kernel may ever use (the highest id in /sys/devices/system/cpu/possible, plus
    /// one): what the kernel sizes per-CPU tables by, online or not. <see cref="Environment.ProcessorCount"/>
    /// counts only the CPUs this process may run on.
    /// </summary>
    public static int PossibleCpus()
    {
        try
        {
            // "0-3", "0,2-5", "0".
            string text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
            int highest = -1;
            foreach (string part in text.Split(','))
            {
                string last = part[(part.LastIndexOf('-') + 1)..];
                if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                    highest = Math.Max(highest, id);
            }
            return highest >= 0 ? highest + 1 : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
        catch (UnauthorizedAccessException)
        {
            return Environment.ProcessorCount;
        }
    }

    /// <summary>Keeps the calling thread on one CPU (sched_setaffinity of this thread alone).</summary>
    public static int PinThreadToCpu(int cpu)
    {
        if (cpu < 0 || cpu >= 1024)
            return -Errno.EINVAL;
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        return Libc.sched_setaffinity(0, 16 * sizeof(ulong), mask) == 0 ? 0 : -Errno.Last;
    }
}
