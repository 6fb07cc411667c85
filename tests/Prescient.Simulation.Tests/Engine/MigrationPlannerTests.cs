using Prescient.Simulation.Engine;
using Prescient.Simulation.Fleet;
using Prescient.Simulation.Traces;

namespace Prescient.Simulation.Tests.Engine;

public class MigrationPlannerTests
{
    private static readonly TimeSeries Flat = TimeSeries.Regular("f", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), [1.0]);

    private static VmSpec Vm(string id, double memory = 4096, string? group = null, int priority = 0, bool auto = true) =>
        new(id, 2, memory, 10, Flat, group, priority, auto);

    [Fact]
    public void Groups_move_together_and_vms_without_automatic_migration_stay()
    {
        var vms = new[] { Vm("a", group: "g"), Vm("b", group: "g"), Vm("c", auto: false), Vm("d") };
        var units = MigrationPlanner.Units(vms, _ => 0.1, _ => true);
        Assert.Equal(["a+b", "d"], units.Select(u => u.Label).Order(StringComparer.Ordinal));
        Assert.Equal(0.2, units.Single(u => u.Label == "a+b").Load, 9);
        var withNonMovable = MigrationPlanner.Units([Vm("a", group: "g"), Vm("b", group: "g", auto: false)], _ => 0.1, _ => true);
        Assert.Empty(withNonMovable);
    }

    [Fact]
    public void Offload_takes_lower_priority_first_then_the_cheapest_sufficient_then_as_few_as_possible()
    {
        var units = MigrationPlanner.Units(
            [Vm("big-cheap", 2048), Vm("big-dear", 16384), Vm("small"), Vm("vip", priority: 5)],
            v => v.Id switch { "small" => 0.05, "vip" => 0.5, _ => 0.2 },
            _ => true);
        Assert.Equal(["big-cheap"], MigrationPlanner.ChooseOffload(units, 0.15, 3).Select(u => u.Label));
        Assert.Equal(["big-cheap", "big-dear"], MigrationPlanner.ChooseOffload(units, 0.35, 3).Select(u => u.Label));
        Assert.Single(MigrationPlanner.ChooseOffload(units, 0.35, 1));
        Assert.Empty(MigrationPlanner.ChooseOffload(units, 0, 3));
    }

    [Fact]
    public void Destination_is_the_best_fit_that_stays_in_range_with_memory_else_a_sleeping_host()
    {
        var unit = new MoveUnit([Vm("v", 8192)], 0.1, 0);
        var candidates = new[]
        {
            new DestinationView("loose", 16, 0.30, 0.80, 65536, HostPowerState.On),
            new DestinationView("tight", 16, 0.60, 0.80, 65536, HostPowerState.On),
            new DestinationView("full", 16, 0.70, 0.80, 65536, HostPowerState.On),
            new DestinationView("no-memory", 16, 0.10, 0.80, 4096, HostPowerState.On),
            new DestinationView("asleep", 16, 0.00, 0.80, 65536, HostPowerState.Reduced),
        };
        Assert.Equal("tight", MigrationPlanner.ChooseDestination(unit, 1.6, candidates, 0.05)!.HostId);
        Assert.Equal("asleep", MigrationPlanner.ChooseDestination(unit, 1.6, candidates.Where(c => c.HostId is "full" or "no-memory" or "asleep"), 0.05)!.HostId);
        Assert.Null(MigrationPlanner.ChooseDestination(unit, 1.6, candidates.Where(c => c.HostId is "full" or "no-memory"), 0.05));
    }
}
