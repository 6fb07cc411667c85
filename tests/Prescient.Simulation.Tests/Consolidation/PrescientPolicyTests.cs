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
}
