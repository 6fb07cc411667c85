using Prescient.Agent.Configuration;
using Prescient.Telemetry;

namespace Prescient.Agent.Sampling;

/// <summary>
/// Samples the Linux host it runs on. CPU: busy share of the jiffies elapsed between two readings of
/// <c>/proc/stat</c>. Memory: 1 - MemAvailable/MemTotal from <c>/proc/meminfo</c>. IO: the busiest real disk's
/// share of wall time with I/O in flight (<c>io_ticks</c> delta from <c>/proc/diskstats</c> / elapsed). VMs: cgroup
/// v2 counters under the VM slice. Every figure is clamped to [0, 1] and checked to be finite.
/// </summary>
public sealed class HostSampler
{
    private readonly string _procPath;
    private readonly string _sysBlockPath;
    private readonly VmCgroups _vms;
    private readonly TimeProvider _time;
    private HostReading? _previous;
    private TelemetrySample? _last;

    public HostSampler(AgentOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _procPath = options.ProcPath;
        _sysBlockPath = Path.Combine(options.SysPath, "block");
        _vms = new VmCgroups(VmCgroups.DetectRoot(options.CgroupPath, options.SysPath), options.VmSlice);
        _time = time;
    }

    /// <summary>The VM slice being watched (null when no cgroup v2 hierarchy was found).</summary>
    public string? VmSliceDirectory => _vms.SliceDirectory;

    /// <summary>Takes a reading of the counters (no sample yet: the first call of <see cref="Sample"/> needs one before it).</summary>
    public HostReading Read()
    {
        var stat = ProcParsers.ParseStat(File.ReadAllText(Path.Combine(_procPath, "stat")));
        var memory = ProcParsers.ParseMemInfo(File.ReadAllText(Path.Combine(_procPath, "meminfo")));
        var diskStatsPath = Path.Combine(_procPath, "diskstats");
        var disks = File.Exists(diskStatsPath)
            ? ProcParsers.ParseDiskStats(File.ReadAllText(diskStatsPath), IsRealDisk)
            : new Dictionary<string, ulong>();
        return new HostReading(_time.GetTimestamp(), stat, memory, disks, _vms.Read());
    }

    /// <summary>
    /// Reads the counters and returns the sample for the time since the previous reading (sequence 0: the buffer
    /// assigns it). The first call primes and returns null.
    /// </summary>
    public TelemetrySample? Sample()
    {
        var current = Read();
        var previous = _previous;
        _previous = current;
        if (previous is null)
        {
            return null;
        }

        _last = Compute(previous, current, _time.GetUtcNow(), _time, _last);
        return _last;
    }

    /// <summary>Utilisations between two readings. <paramref name="last"/> fills in when no time passed.</summary>
    public static TelemetrySample Compute(HostReading previous, HostReading current, DateTimeOffset timestamp, TimeProvider time, TelemetrySample? last = null)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(time);
        var elapsed = time.GetElapsedTime(previous.Timestamp, current.Timestamp);
        var cpu = CpuTimes.BusyFraction(previous.Cpu, current.Cpu) ?? last?.Cpu ?? 0;

        var io = 0.0;
        if (elapsed > TimeSpan.Zero)
        {
            foreach (var (disk, ticks) in current.DiskIoTicks)
            {
                if (previous.DiskIoTicks.TryGetValue(disk, out var before) && ticks >= before)
                {
                    io = Math.Max(io, (ticks - before) / elapsed.TotalMilliseconds);
                }
            }
        }
        else
        {
            io = last?.Io ?? 0;
        }

        List<VmSample>? vms = null;
        if (current.Vms.Count > 0)
        {
            var before = previous.Vms.ToDictionary(v => v.VmId, StringComparer.Ordinal);
            var capacityMicroseconds = elapsed.TotalMicroseconds * Math.Max(current.Cpu.CpuCount, 1);
            vms = [];
            foreach (var vm in current.Vms)
            {
                // A VM seen for the first time has no delta yet: it appears from its second reading on.
                if (!before.TryGetValue(vm.VmId, out var old) || vm.CpuUsageMicroseconds < old.CpuUsageMicroseconds || capacityMicroseconds <= 0)
                {
                    continue;
                }

                var vmCpu = (vm.CpuUsageMicroseconds - old.CpuUsageMicroseconds) / capacityMicroseconds;
                var memoryMb = vm.MemoryBytes is { } bytes ? bytes / (1024.0 * 1024.0) : 0;

                // The guest's memory dirty rate is not visible in cgroup counters: reported as 0 (see docs/agent.md).
                vms.Add(new VmSample(vm.VmId, Fraction(vmCpu), memoryMb, 0));
            }
        }

        return new TelemetrySample(0, timestamp, Fraction(cpu), Fraction(current.Memory), Fraction(io), vms is { Count: > 0 } ? vms : null);
    }

    /// <summary>A finite fraction in [0, 1]: counters sampled a few microseconds apart can overshoot slightly.</summary>
    public static double Fraction(double value) => double.IsFinite(value) ? Math.Clamp(value, 0, 1) : 0;

    private bool IsRealDisk(string name)
    {
        if (Directory.Exists(_sysBlockPath))
        {
            // Whole disks are the entries of /sys/block; physical (or virtio) ones have a 'device' link, while loop,
            // ram, zram, dm and md devices do not. Partitions are not listed there at all.
            return Directory.Exists(Path.Combine(_sysBlockPath, name, "device"));
        }

        return ProcParsers.LooksLikeRealDisk(name);
    }
}
