using Prescient.Core.Planning;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

public class PrescientPolicyTests
{
    private sealed class FleetSink(FleetState fleet) : IPlacementSink
    {
        public void Place(int vm, int host) => fleet.Place(vm, host);
    }

    private static (FleetState Fleet, PrescientPolicy Policy) Start(double[][] util)
    {
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 4 }, new PlanetLabDay("20110303", util));
        var policy = new PrescientPolicy(new PrescientPolicyOptions { Name = "prescient-reactive" });
        policy.PlaceInitially(fleet, new FleetSink(fleet));
        fleet.RefreshDemand(0);
        return (fleet, policy);
    }

    [Fact]
    public void Reactive_empties_the_least_loaded_host_below_the_low_threshold_onto_a_running_host()
    {
        // VM 0 (2500 MIPS) starts on host 1 and VM 1 (2000 MIPS) on host 3 (both G5: only G5 cores fit them at full
        // MIPS). At 20 % and 10 % both hosts are below 0.4; host 3 (0.038) is emptied onto host 1, which then must not
        // be emptied in the same cycle.
        var (fleet, policy) = Start([[0.2], [0.1]]);
        Assert.Equal([1, 3], fleet.VmHost);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);
        Assert.Equal([new MigrationOrder(1, 1)], plan);
    }

    [Fact]
    public void Reactive_offloads_an_overloaded_host_to_a_running_host_before_waking_one()
    {
        // VMs 0..3: 2500, 2000, 1000, 500 MIPS. Put VMs 0 and 1 on host 1 (G5) at 100 %: 4500 / 5320 = 0.85 > 0.8.
        // Host 3 (G5) runs VM 2 at 50 %; host 2 (G4) runs VM 3 at 10 %; host 0 (G4) sleeps.
        var (fleet, policy) = Start([[1.0], [1.0], [0.5], [0.1]]);
        fleet.Place(0, 1);
        fleet.Place(1, 1);
        fleet.Place(2, 3);
        fleet.Place(3, 2);
        fleet.RefreshDemand(0);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);

        // One VM is enough; the cheaper to move (870 MB) goes to the running G5 host 3 (3000 / 5320 = 0.56), not to
        // a G4 core (1860 MIPS < 2500) and not to the sleeping host 0.
        Assert.Contains(new MigrationOrder(0, 3), plan);
        Assert.DoesNotContain(plan, m => m.Vm == 1);
        Assert.DoesNotContain(plan, m => m.Destination == 0);
        var load = new double[4];
        var where = fleet.VmHost.ToArray();
        foreach (var m in plan)
        {
            where[m.Vm] = m.Destination;
        }

        for (var v = 0; v < 4; v++)
        {
            load[where[v]] += fleet.Demand[v];
        }

        Assert.All(Enumerable.Range(0, 4), h => Assert.True(load[h] / fleet.HostCapacity[h] <= 0.8 + 1e-9, $"host {h}"));
    }

    // Fleet-fit reduce power. Six hosts (0, 2, 4: G4, 3720 MIPS; 1, 3, 5: G5, 5320 MIPS) and eight VMs in four type
    // blocks: VMs 0-1 2500 MIPS, 2-3 2000, 4-5 1000, 6-7 500. Hosts 4 and 5 stay asleep.
    private static (FleetState Fleet, PrescientPolicy Policy) StartFleetFit(bool fleetFit, double[] util, int steps, (int Vm, int Host)[] layout)
    {
        // 16 GB hosts: memory never binds here (the planner never overcommits it).
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 6, HostRamMb = 16384 }, new PlanetLabDay("20110303", [.. util.Select(u => Enumerable.Repeat(u, steps).ToArray())]));
        var policy = new PrescientPolicy(new PrescientPolicyOptions { Name = "prescient-reactive", Planner = PlannerOptions.Default with { ConsolidateWhenFleetFits = fleetFit } });
        policy.PlaceInitially(fleet, new FleetSink(fleet));
        foreach (var (vm, host) in layout)
        {
            fleet.Place(vm, host);
        }

        fleet.RefreshDemand(0);
        return (fleet, policy);
    }

    // Host 0 (G4): VMs 4 (1000 at 100 %), 5 (1000 at 60 %), 7 (idle): 1600 / 3720 = 0.43.
    // Host 1 (G5): VMs 0 (2500 at 100 %), 1 (idle): 2500 / 5320 = 0.47.
    // Host 3 (G5): VMs 2 (2000 at 100 %), 6 (500 at 60 %), 3 (idle): 2300 / 5320 = 0.43.
    // Every host is inside [0.4, 0.8], but hosts 1 and 3 can carry host 0's 1600 MIPS under 0.8 (4256 each).
    private static readonly double[] PackableUtil = [1.0, 0.0, 1.0, 0.0, 1.0, 0.6, 0.6, 0.0];
    private static readonly (int, int)[] PackableLayout = [(4, 0), (5, 0), (7, 0), (0, 1), (1, 1), (2, 3), (6, 3), (3, 3)];

    private static double[] LoadsAfter(FleetState fleet, List<MigrationOrder> plan)
    {
        var where = fleet.VmHost.ToArray();
        foreach (var m in plan)
        {
            where[m.Vm] = m.Destination;
        }

        var load = new double[fleet.HostCount];
        for (var v = 0; v < fleet.VmCount; v++)
        {
            load[where[v]] += fleet.Demand[v];
        }

        return [.. load.Select((l, h) => l / fleet.HostCapacity[h])];
    }

    [Fact]
    public void Fleet_fit_reduce_power_empties_a_host_above_the_low_threshold_when_the_others_can_carry_its_vms()
    {
        var (fleet, policy) = StartFleetFit(fleetFit: true, PackableUtil, 1, PackableLayout);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);

        Assert.Equal([4, 5, 7], plan.Select(m => m.Vm).Order());
        Assert.All(plan, m => Assert.Contains(m.Destination, new[] { 1, 3 }));
        var loads = LoadsAfter(fleet, plan);
        Assert.Equal(0, loads[0]);
        Assert.All(loads, l => Assert.True(l <= 0.8 + 1e-9, $"load {l}"));
        Assert.Contains("consolidate when the fleet fits on one host fewer", policy.Settings, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_fleet_fit_reduce_power_no_host_inside_the_range_is_emptied()
    {
        var (fleet, policy) = StartFleetFit(fleetFit: false, PackableUtil, 1, PackableLayout);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);

        Assert.Empty(plan);
        Assert.DoesNotContain("consolidate when the fleet fits", policy.Settings, StringComparison.Ordinal);
    }

    [Fact]
    public void Fleet_fit_reduce_power_keeps_a_host_whose_vm_would_push_every_destination_over_the_high_threshold()
    {
        // Host 1 (G5): VM 0 (2500 at 90 %) = 2250 / 5320 = 0.42, the least loaded. Host 0 (G4): VMs 4 (1000 at 100 %),
        // 5 (1000 at 60 %), 7 (idle) = 0.43; host 3 (G5): VMs 2 (2000 at 100 %), 6 (500 at 100 %), 3, 1 (idle) = 0.47.
        // Together hosts 0 and 3 have 3132 MIPS to spare under 0.8, but neither has 2250 (1376 and 1756).
        var (fleet, policy) = StartFleetFit(fleetFit: true, [0.9, 0.0, 1.0, 0.0, 1.0, 0.6, 1.0, 0.0], 1,
            [(4, 0), (5, 0), (7, 0), (0, 1), (1, 3), (2, 3), (6, 3), (3, 3)]);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);

        Assert.Empty(plan);
    }

    [Fact]
    public void Fleet_fit_reduce_power_waits_for_the_vm_cooldown()
    {
        var (fleet, policy) = StartFleetFit(fleetFit: true, PackableUtil, 13, PackableLayout);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);
        Assert.Equal(3, plan.Count);

        // Put the moved VMs back (as if the moves had been undone): the same fleet, but host 0's VMs moved at step 0.
        foreach (var (vm, host) in PackableLayout)
        {
            fleet.Place(vm, host);
        }

        // Cooldown 60 min = 12 five-minute steps: nothing at step 11, host 0 emptied again at step 12.
        fleet.RefreshDemand(11);
        plan.Clear();
        policy.Decide(fleet, plan);
        Assert.Empty(plan);

        fleet.RefreshDemand(12);
        policy.Decide(fleet, plan);
        Assert.Equal([4, 5, 7], plan.Select(m => m.Vm).Order());
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 3)]
    public void An_offload_that_must_wake_a_host_wakes_a_G5_first_only_with_wake_efficient_first(bool efficientFirst, int expected)
    {
        // Hosts 0, 2 (G4) and 3 (G5) sleep; host 1 (G5) runs all four VMs: 2500 + 600 + 1000 + 500 = 4600 / 5320 = 0.86.
        // With no margin below the threshold, shedding the 500-MIPS VM (cheapest to move) is enough, and it fits on any sleeping host. Best fit alone picks
        // the smaller G4 host 0 (left fullest); waking the most efficient type first picks the G5 host 3.
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 4 }, new PlanetLabDay("20110303", [[1.0], [0.3], [1.0], [1.0]]));
        var policy = new PrescientPolicy(new PrescientPolicyOptions { Name = "prescient-reactive", WakeEfficientFirst = efficientFirst, Planner = new PlannerOptions { OffloadMargin = 0 } });
        policy.PlaceInitially(fleet, new FleetSink(fleet));
        for (var v = 0; v < 4; v++)
        {
            fleet.Place(v, 1);
        }

        fleet.RefreshDemand(0);
        var plan = new List<MigrationOrder>();
        policy.Decide(fleet, plan);

        Assert.Equal([new MigrationOrder(3, expected)], plan);
        Assert.Equal(efficientFirst, policy.Settings.Contains("wake G5 hosts before G4", StringComparison.Ordinal));
    }
}
