using Microsoft.Extensions.Time.Testing;
using Prescient.Agent.Sampling;

namespace Prescient.Agent.Tests.Sampling;

public sealed class VmCgroupsTests
{
    [Theory]
    [InlineData(@"machine-qemu\x2d3\x2dweb01.scope", "web01")]
    [InlineData(@"machine-qemu\x2d12\x2ddb\x2dprimary.scope", "db-primary")]
    [InlineData(@"machine-lxc\x2d7\x2dcontainer.scope", "container")]
    [InlineData("systemd-nspawn@build.service", "systemd-nspawn@build")]
    [InlineData(@"machine-qemu\x2d1\x2dweird\x20name.scope", "weird_name")]
    public void Vm_ids_come_from_unit_names(string unit, string id)
    {
        Assert.Equal(id, VmCgroups.VmIdOf(unit));
    }

    [Fact]
    public void Vms_under_the_slice_get_cpu_share_of_the_host_and_memory()
    {
        using var root = new TempDirectory();
        var slice = Directory.CreateDirectory(Path.Combine(root.Path, "machine.slice"));
        var web = Directory.CreateDirectory(Path.Combine(slice.FullName, @"machine-qemu\x2d1\x2dweb.scope"));
        var db = Directory.CreateDirectory(Path.Combine(slice.FullName, @"machine-qemu\x2d2\x2ddb.scope"));
        Directory.CreateDirectory(Path.Combine(slice.FullName, "not-a-vm"));
        File.WriteAllText(Path.Combine(web.FullName, "cpu.stat"), "usage_usec 1000000\n");
        File.WriteAllText(Path.Combine(web.FullName, "memory.current"), "2147483648\n");
        File.WriteAllText(Path.Combine(db.FullName, "cpu.stat"), "usage_usec 0\n");

        var vms = new VmCgroups(root.Path, "machine.slice");
        var first = vms.Read();
        Assert.Equal(["db", "web"], first.Select(v => v.VmId));

        // One second later on a 4-CPU host, web used 2 CPU-seconds (half the host), db 0.4.
        File.WriteAllText(Path.Combine(web.FullName, "cpu.stat"), "usage_usec 3000000\n");
        File.WriteAllText(Path.Combine(db.FullName, "cpu.stat"), "usage_usec 400000\n");
        var second = vms.Read();

        var time = new FakeTimeProvider();
        var t0 = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(1));
        var t1 = time.GetTimestamp();
        var empty = new Dictionary<string, ulong>();
        var sample = HostSampler.Compute(
            new HostReading(t0, new CpuTimes(0, 0, 4), 0.5, empty, first),
            new HostReading(t1, new CpuTimes(400, 100, 4), 0.5, empty, second),
            time.GetUtcNow(),
            time);

        Assert.NotNull(sample.Vms);
        var byId = sample.Vms.ToDictionary(v => v.VmId);
        Assert.Equal(0.5, byId["web"].Cpu, 9);
        Assert.Equal(2048, byId["web"].MemoryMb, 9);
        Assert.Equal(0.1, byId["db"].Cpu, 9);
        Assert.Equal(0.75, sample.Cpu, 9);
    }

    [Fact]
    public void No_slice_means_no_vm_figures()
    {
        using var root = new TempDirectory();
        Assert.Empty(new VmCgroups(root.Path, "machine.slice").Read());
        Assert.Empty(new VmCgroups(null, "machine.slice").Read());
    }

    [Fact]
    public void Io_is_the_busiest_disks_share_of_elapsed_time_clamped()
    {
        var time = new FakeTimeProvider();
        var t0 = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(2));
        var before = new HostReading(t0, new CpuTimes(100, 50, 1), 0.2, new Dictionary<string, ulong> { ["sda"] = 1000, ["sdb"] = 0 }, []);
        var after = before with
        {
            Timestamp = time.GetTimestamp(),
            Cpu = new CpuTimes(300, 250, 1),
            DiskIoTicks = new Dictionary<string, ulong> { ["sda"] = 1500, ["sdb"] = 1600 },
        };
        var sample = HostSampler.Compute(before, after, time.GetUtcNow(), time);
        Assert.Equal(0.8, sample.Io, 9);
        Assert.Equal(0, sample.Cpu, 9);

        var saturated = after with { DiskIoTicks = new Dictionary<string, ulong> { ["sda"] = 99999, ["sdb"] = 1600 } };
        Assert.Equal(1, HostSampler.Compute(before, saturated, time.GetUtcNow(), time).Io);
    }

    [Theory]
    [InlineData(double.NaN, 0)]
    [InlineData(double.PositiveInfinity, 0)]
    [InlineData(-0.1, 0)]
    [InlineData(1.0000001, 1)]
    [InlineData(0.42, 0.42)]
    public void Fractions_are_finite_and_within_zero_and_one(double raw, double expected)
    {
        Assert.Equal(expected, HostSampler.Fraction(raw));
    }
}
