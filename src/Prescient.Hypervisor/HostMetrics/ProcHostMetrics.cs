using System.Globalization;

namespace Prescient.Hypervisor.HostMetrics;

/// <summary>The host's capacity and load from procfs: CPUs and busy time (<c>/proc/stat</c>), memory (<c>/proc/meminfo</c>).</summary>
public sealed class ProcHostMetrics(string procPath = "/proc")
{
    private readonly Lock _gate = new();
    private (long Busy, long Total)? _previous;

    /// <summary>Online CPUs (the <c>cpuN</c> lines of <c>/proc/stat</c>).</summary>
    public int CpuCount() => File.ReadLines(Path.Combine(procPath, "stat"))
        .Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && l.Length > 3 && char.IsAsciiDigit(l[3]));

    /// <summary>Total and available memory in MiB (<c>MemTotal</c>, <c>MemAvailable</c>).</summary>
    public (double TotalMb, double AvailableMb) Memory()
    {
        double total = 0, available = 0;
        foreach (var line in File.ReadLines(Path.Combine(procPath, "meminfo")))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = Kib(line) / 1024;
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = Kib(line) / 1024;
            }
        }

        return (total, available);
    }

    /// <summary>The fraction of CPU time busy since the previous call (null on the first call).</summary>
    public double? BusyFraction()
    {
        var line = File.ReadLines(Path.Combine(procPath, "stat")).First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();

        // user nice system idle iowait irq softirq steal (guest and guest_nice are already counted in user and nice).
        var total = fields.Take(8).Sum();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var now = (Busy: total - idle, Total: total);
        lock (_gate)
        {
            var previous = _previous;
            _previous = now;
            if (previous is not { } p || now.Total <= p.Total)
            {
                return null;
            }

            return Math.Clamp((double)(now.Busy - p.Busy) / (now.Total - p.Total), 0, 1);
        }
    }

    private static double Kib(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
