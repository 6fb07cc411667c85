using System.Globalization;
using System.Text.RegularExpressions;

namespace Prescient.Agent.Sampling;

/// <summary>Parsers of the procfs files the agent samples. Pure functions over the file text.</summary>
public static partial class ProcParsers
{
    /// <summary>
    /// Parses <c>/proc/stat</c>: the <c>cpu</c> line gives user nice system idle iowait irq softirq steal (guest time is
    /// already inside user and nice, so it is not added again). Idle time = idle + iowait.
    /// </summary>
    public static CpuTimes ParseStat(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        CpuTimes? aggregate = null;
        var cpus = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5)
                {
                    throw new FormatException("/proc/stat: the cpu line has fewer than 4 counters.");
                }

                ulong total = 0;
                for (var i = 1; i < Math.Min(fields.Length, 9); i++)
                {
                    total += ulong.Parse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture);
                }

                var idle = ulong.Parse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture);
                if (fields.Length > 5)
                {
                    idle += ulong.Parse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture);
                }

                aggregate = new CpuTimes(total, idle, 0);
            }
            else if (line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpus++;
            }
        }

        return aggregate is { } a
            ? a with { CpuCount = Math.Max(cpus, 1) }
            : throw new FormatException("/proc/stat has no aggregate 'cpu' line.");
    }

    /// <summary>Memory in use as a fraction: 1 - MemAvailable / MemTotal (older kernels: MemFree + Buffers + Cached).</summary>
    public static double ParseMemInfo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var rest = line[(colon + 1)..].Trim();
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            var number = space < 0 ? rest : rest[..space];
            if (ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..colon]] = value;
            }
        }

        if (!values.TryGetValue("MemTotal", out var total) || total == 0)
        {
            throw new FormatException("/proc/meminfo has no MemTotal.");
        }

        if (!values.TryGetValue("MemAvailable", out var available))
        {
            available = values.GetValueOrDefault("MemFree") + values.GetValueOrDefault("Buffers") + values.GetValueOrDefault("Cached");
        }

        return Math.Clamp(1.0 - ((double)available / total), 0, 1);
    }

    /// <summary>
    /// Parses <c>/proc/diskstats</c> into device name → io_ticks (milliseconds the device had I/O in flight, the
    /// 13th column), keeping only the devices <paramref name="isRealDisk"/> accepts.
    /// </summary>
    public static Dictionary<string, ulong> ParseDiskStats(string text, Func<string, bool> isRealDisk)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(isRealDisk);
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 13 || !isRealDisk(fields[2]))
            {
                continue;
            }

            if (ulong.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                result[fields[2]] = ticks;
            }
        }

        return result;
    }

    /// <summary>Reads <c>usage_usec</c> from a cgroup v2 <c>cpu.stat</c>.</summary>
    public static ulong? ParseCgroupCpuUsage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("usage_usec ", StringComparison.Ordinal)
                && ulong.TryParse(line.AsSpan(11).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var usage))
            {
                return usage;
            }
        }

        return null;
    }

    /// <summary>
    /// A fallback test for "real disk" when sysfs is not readable: skips loop, RAM, zram, device-mapper, md, optical
    /// and floppy devices, and partitions (names like sda1, vda2, nvme0n1p1, mmcblk0p1).
    /// </summary>
    public static bool LooksLikeRealDisk(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string[] virtualPrefixes = ["loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd"];
        if (virtualPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
        {
            return false;
        }

        if (name.StartsWith("nvme", StringComparison.Ordinal) || name.StartsWith("mmcblk", StringComparison.Ordinal))
        {
            return WholeFlashDevice().IsMatch(name);
        }

        return name.Length > 0 && !char.IsAsciiDigit(name[^1]);
    }

    [GeneratedRegex(@"^(nvme\d+n\d+|mmcblk\d+)$")]
    private static partial Regex WholeFlashDevice();
}
