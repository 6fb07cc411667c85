using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Planning;
using Prescient.Core.Settings;

namespace Prescient.Core.Tests.Planning;

public class FleetPlannerPowerTests
{
    [Fact]
    public void A_host_asked_to_reduce_power_that_holds_a_VM_with_automatic_migration_off_keeps_it_and_stays_on()
    {
        var plan = new Fleet()
            .Host("a", 0.1).Vm("a1", "a", 0.05).Vm("a2", "a", 0.05, with: v => v with { Settings = VmSettings.Default with { AutoMigrate = false } })
            .Host("b", 0.5).Vm("b1", "b", 0.5)
            .Plan();

        Assert.Equal(Indication.ReducePower, plan.Host("a")!.Decision!.Indication);
        Assert.Empty(plan.AllMoves);
        Assert.Empty(plan.Evacuations);
        Assert.DoesNotContain("a", plan.PowerDowns);
        var skipped = Assert.Single(plan.Skipped);
        Assert.Equal(SkipRule.AutoMigrateOff, skipped.Rule);
        Assert.Contains(plan.Host("a")!.Notes, n => n.Contains("stays on", StringComparison.Ordinal) && n.Contains("automatic migration is off for a2", StringComparison.Ordinal));
    }

    [Fact]
    public void An_evacuation_moves_every_VM_then_powers_the_host_down()
    {
        var plan = new Fleet()
            .Host("a", 0.1).Vm("a1", "a", 0.05).Vm("a2", "a", 0.05)
            .Host("b", 0.5).Vm("b1", "b", 0.5)
            .Plan();

        var evacuation = Assert.Single(plan.Evacuations);
        Assert.Equal("a", evacuation.HostId);
        Assert.Equal(["a1", "a2"], evacuation.Moves.SelectMany(m => m.VmIds).Order(StringComparer.Ordinal));
        Assert.All(evacuation.Moves, m => Assert.Equal(MoveKind.Evacuation, m.Kind));
        Assert.All(evacuation.Moves, m => Assert.False(m.WakesDestination));
    }

    [Fact]
    public void An_evacuation_is_all_or_nothing()
    {
        var plan = new Fleet()
            .Host("a", 0.14).Vm("a1", "a", 0.07, memoryMb: 4096).Vm("a2", "a", 0.07, memoryMb: 60000)
            .Host("b", 0.5, memoryMb: 16384).Vm("b1", "b", 0.5, memoryMb: 4096)
            .Plan();

        Assert.Empty(plan.Evacuations);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.NoRoom && s.HostId == "a");
    }

    [Fact]
    public void Evacuations_never_wake_a_host()
    {
        var plan = new Fleet()
            .Host("a", 0.1).Vm("a1", "a", 0.1)
            .Host("s", 0, power: PowerState.Reduced)
            .Plan();

        Assert.Empty(plan.Evacuations);
        Assert.Empty(plan.Wakes);
    }

    [Fact]
    public void An_empty_running_host_is_powered_down_at_once()
    {
        var plan = new Fleet().Host("a", 0.01).Host("b", 0.5).Vm("b1", "b", 0.5).Plan();

        Assert.Equal(["a"], plan.PowerDowns);
    }

    [Fact]
    public void A_host_that_received_an_offload_is_not_emptied_in_the_same_cycle()
    {
        var plan = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.3)
            .Host("b", 0.1).Vm("b1", "b", 0.1)
            .Plan();

        var move = Assert.Single(plan.Moves);
        Assert.Equal("b", move.DestinationHostId);
        Assert.Empty(plan.Evacuations);
        Assert.Contains(plan.Skipped, s => s.Rule == SkipRule.HostBusy && s.HostId == "b");

        // CloudSim 3.0.3 empties a receiver in the same round, the VM it just received with it (it moves twice).
        var cloudSim = new Fleet()
            .Host("a", 0.95).Vm("a1", "a", 0.3)
            .Host("b", 0.1).Vm("b1", "b", 0.1)
            .Plan(new PlannerOptions { MayEvacuateReceivers = true });
        Assert.Equal("b", Assert.Single(cloudSim.Moves).DestinationHostId);
        Assert.DoesNotContain(cloudSim.Skipped, s => s.Rule == SkipRule.HostBusy);
        Assert.Contains(cloudSim.Skipped, s => s.Rule == SkipRule.NoRoom && s.HostId == "b" && s.VmIds.SequenceEqual(["a1"]));
    }

    [Fact]
    public void A_host_holding_a_VM_that_just_moved_is_not_emptied()
    {
        var plan = new Fleet()
            .Host("a", 0.1).Vm("a1", "a", 0.1, with: v => v with { LastMovedAt = Fleet.Now.AddMinutes(-5) })
            .Host("b", 0.5).Vm("b1", "b", 0.5)
            .Plan();

        Assert.Empty(plan.Evacuations);
        Assert.Equal(SkipRule.Cooldown, Assert.Single(plan.Skipped).Rule);
    }

    [Fact]
    public void Consolidation_when_the_fleet_fits_empties_the_least_loaded_host()
    {
        var fleet = new Fleet()
            .Host("a", 0.3).Vm("a1", "a", 0.3)
            .Host("b", 0.35).Vm("b1", "b", 0.35)
            .Host("c", 0.4).Vm("c1", "c", 0.4);
        Assert.Empty(fleet.Plan().Evacuations);

        var plan = fleet.Plan(new PlannerOptions { ConsolidateWhenFleetFits = true });
        Assert.Equal("a", Assert.Single(plan.Evacuations).HostId);
    }
}
