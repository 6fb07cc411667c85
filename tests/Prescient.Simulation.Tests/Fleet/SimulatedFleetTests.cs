using Prescient.Core.Migration;
using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Fleet;

public class SimulatedFleetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 18, 0, 0, 0, TimeSpan.Zero);

    private static VmSpec Vm(string id, double cores, double memoryMb = 4096, double dirty = 0) =>
        new(id, 4, memoryMb, dirty, TimeSeries.Regular(id, T0, TimeSpan.FromHours(1), Enumerable.Repeat(cores, 48).ToArray()));

    private static HostSpec Host(string id, double cores = 8, double memoryMb = 32768, TimeSpan? wake = null) =>
        new(id, cores, memoryMb, PowerModel.Linear(100, 200, 10), wake ?? TimeSpan.FromMinutes(2));

    private static MigrationCostSettings Settings => new()
    {
        BandwidthMbitPerSecond = 1000, LinkEfficiency = 1, HandshakeTime = TimeSpan.Zero, SourceCpuCores = 1, DestinationCpuCores = 0.5,
    };

    [Fact]
    public void Utilisation_includes_the_migration_overhead_while_it_runs_and_the_vm_moves_at_its_end()
    {
        var fleet = new SimulatedFleet([Host("a"), Host("b")], [(Vm("v1", 2, 2500), "a"), (Vm("v2", 2), "a")], Settings, T0);
        Assert.Equal(0.5, fleet.Utilisation("a"), 9);
        var m = fleet.Migrate("v1", "b", "test");
        Assert.Equal(MigrationStatus.Running, m.Status);
        Assert.Equal(20, m.Estimate.Total.TotalSeconds, 1); // 2500 MB at 125 MB/s plus device state
        Assert.Equal((4 + 1) / 8.0, fleet.Utilisation("a"), 9);
        Assert.Equal(0.5 / 8.0, fleet.Utilisation("b"), 9);
        var mean = fleet.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(MigrationStatus.Completed, m.Status);
        Assert.Equal("b", fleet.HostOf("v1"));
        Assert.Equal(0.25, fleet.Utilisation("a"), 9);
        // Mean over the 40 s: about 20 s at 5/8 and 20 s at 2/8.
        Assert.Equal(((5 / 8.0) + (2 / 8.0)) / 2, mean["a"], 2);
        Assert.True(fleet.DegradedCoreSeconds > 0);
    }

    [Fact]
    public void Migrations_from_one_source_run_one_after_another()
    {
        var fleet = new SimulatedFleet([Host("a"), Host("b")], [(Vm("v1", 1, 1250), "a"), (Vm("v2", 1, 1250), "a")], Settings, T0);
        var first = fleet.Migrate("v1", "b", "x");
        var second = fleet.Migrate("v2", "b", "x");
        Assert.Equal(MigrationStatus.Queued, second.Status);
        fleet.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(MigrationStatus.Completed, first.Status);
        Assert.Equal(MigrationStatus.Running, second.Status);
        Assert.Equal(first.Finished, second.Started);
    }

    [Fact]
    public void Refused_moves_change_nothing()
    {
        var fleet = new SimulatedFleet([Host("a"), Host("b", memoryMb: 4096)], [(Vm("v1", 1, 3000), "a"), (Vm("v2", 1, 2000), "b")], Settings, T0);
        var e = Assert.Throws<InvalidOperationException>(() => fleet.Migrate("v1", "b", "x"));
        Assert.Contains("MB free", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => fleet.Migrate("v1", "a", "x"));
        Assert.Empty(fleet.Migrations);
        Assert.Equal("a", fleet.HostOf("v1"));
        Assert.Throws<InvalidOperationException>(() => fleet.PowerDown("a"));
        Assert.Equal(PowerState.On, fleet.Host("a").PowerState);
    }

    [Fact]
    public void Placement_that_overcommits_memory_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SimulatedFleet([Host("a", memoryMb: 4096)], [(Vm("v1", 1, 3000), "a"), (Vm("v2", 1, 3000), "a")], Settings, T0));
        Assert.Contains("Host 'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Power_down_and_wake_with_delay_and_energy()
    {
        var fleet = new SimulatedFleet([Host("a"), Host("b", wake: TimeSpan.FromMinutes(2))], [(Vm("v1", 2, 1000), "a")], Settings, T0);
        fleet.PowerDown("b");
        Assert.Throws<InvalidOperationException>(() => fleet.Migrate("v1", "b", "x"));
        fleet.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, fleet.Host("b").TimeReduced.TotalHours, 9);
        Assert.Equal(10 * 3600, fleet.Host("b").EnergyJoules, 6);
        Assert.Equal(125 * 3600, fleet.Host("a").EnergyJoules, 6); // 25 % load on a 100-200 W line
        fleet.Wake("b");
        Assert.Equal(PowerState.Waking, fleet.Host("b").PowerState);
        var m = fleet.Migrate("v1", "b", "to a waking host");
        Assert.Equal(MigrationStatus.Queued, m.Status);
        fleet.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(MigrationStatus.Queued, m.Status);
        fleet.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(PowerState.On, fleet.Host("b").PowerState);
        Assert.Equal(MigrationStatus.Completed, m.Status);
        Assert.Equal(T0.AddHours(1).AddMinutes(2), m.Started);
    }

    [Fact]
    public void Saturation_is_counted_when_demand_exceeds_capacity()
    {
        var fleet = new SimulatedFleet([Host("a", cores: 2)], [(Vm("v1", 3), "a")], Settings, T0);
        fleet.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1.0, fleet.Utilisation("a"));
        Assert.Equal(10, fleet.Host("a").TimeSaturated.TotalMinutes, 9);
        Assert.Equal(600, fleet.Host("a").UnservedCoreSeconds, 6);
    }

    [Fact]
    public void Power_model_interpolates_between_points()
    {
        var g5 = PowerModel.HpProLiantMl110G5;
        Assert.Equal(93.7, g5.WattsAt(0));
        Assert.Equal(135, g5.WattsAt(1));
        Assert.Equal((110 + 116) / 2.0, g5.WattsAt(0.45), 9);
        Assert.Throws<ArgumentException>(() => new PowerModel([1, 2, 3], 0, 0));
    }
}
