using Prescient.Agent.Sampling;

namespace Prescient.Agent.Tests.Sampling;

public sealed class ProcParsersTests
{
    private const string Stat = """
        cpu  100 20 30 800 50 0 0 0 0 0
        cpu0 50 10 15 400 25 0 0 0 0 0
        cpu1 50 10 15 400 25 0 0 0 0 0
        intr 12345
        ctxt 999
        """;

    [Fact]
    public void Stat_counts_iowait_as_idle_and_counts_cpus()
    {
        var times = ProcParsers.ParseStat(Stat);
        Assert.Equal(1000UL, times.Total);
        Assert.Equal(850UL, times.Idle);
        Assert.Equal(2, times.CpuCount);
    }

    [Fact]
    public void Cpu_busy_fraction_is_the_share_of_non_idle_jiffies_between_readings()
    {
        var before = new CpuTimes(1000, 850, 2);
        var after = new CpuTimes(1200, 900, 2);
        Assert.Equal(0.75, CpuTimes.BusyFraction(before, after)!.Value, 12);
        Assert.Null(CpuTimes.BusyFraction(after, after));
        Assert.Null(CpuTimes.BusyFraction(after, before));
    }

    [Fact]
    public void Stat_without_the_aggregate_line_is_refused()
    {
        Assert.Throws<FormatException>(() => ProcParsers.ParseStat("intr 1\n"));
    }

    [Fact]
    public void Memory_in_use_is_one_minus_available_over_total()
    {
        const string MemInfo = """
            MemTotal:        8000000 kB
            MemFree:          500000 kB
            MemAvailable:    2000000 kB
            Buffers:          100000 kB
            Cached:          1000000 kB
            """;
        Assert.Equal(0.75, ProcParsers.ParseMemInfo(MemInfo), 12);
    }

    [Fact]
    public void Memory_falls_back_to_free_buffers_and_cached_on_old_kernels()
    {
        const string MemInfo = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 200 kB\n";
        Assert.Equal(0.6, ProcParsers.ParseMemInfo(MemInfo), 12);
    }

    [Fact]
    public void Diskstats_keeps_io_ticks_of_real_disks_only()
    {
        const string DiskStats = """
              7       0 loop0 10 0 0 0 0 0 0 0 0 77 0 0 0 0 0 0 0
            254       0 vda 40959 23902 2791706 13500 16511 248900 6899232 34788 0 9488 54351 66467 29 887408 6061 4 1
            254       1 vda1 40000 0 0 0 0 0 0 0 0 9000 0 0 0 0 0 0 0
            259       0 nvme0n1 1 0 0 0 0 0 0 0 0 1234 0 0 0 0 0 0 0
            259       1 nvme0n1p1 1 0 0 0 0 0 0 0 0 1000 0 0 0 0 0 0 0
            253       0 dm-0 1 0 0 0 0 0 0 0 0 5000 0 0 0 0 0 0 0
            """;
        var ticks = ProcParsers.ParseDiskStats(DiskStats, ProcParsers.LooksLikeRealDisk);
        Assert.Equal(new Dictionary<string, ulong> { ["vda"] = 9488, ["nvme0n1"] = 1234 }, ticks);
    }

    [Theory]
    [InlineData("sda", true)]
    [InlineData("vdb", true)]
    [InlineData("nvme1n2", true)]
    [InlineData("mmcblk0", true)]
    [InlineData("sda1", false)]
    [InlineData("nvme0n1p3", false)]
    [InlineData("mmcblk0p1", false)]
    [InlineData("loop3", false)]
    [InlineData("zram0", false)]
    [InlineData("dm-1", false)]
    [InlineData("md127", false)]
    [InlineData("sr0", false)]
    public void Fallback_real_disk_test(string name, bool real)
    {
        Assert.Equal(real, ProcParsers.LooksLikeRealDisk(name));
    }

    [Fact]
    public void Cgroup_cpu_usage_is_read_from_cpu_stat()
    {
        Assert.Equal(123456UL, ProcParsers.ParseCgroupCpuUsage("usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n"));
        Assert.Null(ProcParsers.ParseCgroupCpuUsage("user_usec 1\n"));
    }
}
