using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

public class PolicyTests
{
    private static FleetState Fleet(int hosts, double[][] util, params (int Vm, int Host)[] placement) =>
        Fleet(new ConsolidationSetup { Hosts = hosts }, util, placement);

    private static FleetState Fleet(ConsolidationSetup setup, double[][] util, params (int Vm, int Host)[] placement)
    {
        var fleet = new FleetState(setup, new PlanetLabDay("d", util));
        foreach (var (vm, host) in placement)
        {
            fleet.Place(vm, host);
        }

        fleet.RefreshDemand(0);
        return fleet;
    }

    [Fact]
    public void Mmt_gives_up_the_smallest_memory_vms_until_the_host_is_no_longer_overloaded_and_pabfd_places_them()
    {
        // VMs 0..3: 2500/2000/1000/500 MIPS, 870/1740/1740/613 MB. Host 1 (G5, 5320) carries VMs 0, 1, 3 all at
        // 100 %: 5000 / 5320 = 0.94 > 0.8. MMT removes VM 3 (613 MB): 4500 / 5320 = 0.85, still over; then VM 0
        // (870 MB): 2000 / 5320, fine. Host 0 (G4) carries VM 2 at 50 %. Hosts 2 (G4) and 3 (G5) are off.
        var fleet = Fleet(4, [[1.0], [1.0], [0.5], [1.0]], (0, 1), (1, 1), (2, 0), (3, 1));
        var plan = new List<MigrationOrder>();
        new BaselinePolicy(new ThresholdDetector(0.8)).Decide(fleet, plan);

        // Placed by decreasing demand: VM 0 (2500 MIPS) fits no G4 core (1860), so it wakes host 3 (G5).
        // VM 3 (500 MIPS): host 0 rises from P(500/3720) to P(1000/3720) = +4.44 W, an off G4 would rise
        // +4.50 W, host 3 (already chosen, measured at 0) +25.5 W: host 0.
        Assert.Equal([new MigrationOrder(0, 3), new MigrationOrder(3, 0)], plan);
    }

    [Fact]
    public void Pabfd_never_makes_a_running_host_overloaded()
    {
        // Host 1 (G5) is overloaded by VMs 0, 1 and 3 at 100 % (5000 / 5320); host 3 (G5) runs VM 2 at 100 %.
        // Whatever moves, no host may end above the 0.8 threshold.
        var fleet = Fleet(4, [[1.0], [1.0], [1.0], [1.0]], (0, 1), (1, 1), (2, 3), (3, 1));
        var plan = new List<MigrationOrder>();
        new BaselinePolicy(new ThresholdDetector(0.8)).Decide(fleet, plan);
        var load = new double[4];
        var where = fleet.VmHost.ToArray();
        foreach (var m in plan)
        {
            where[m.Vm] = m.Destination;
        }

        for (var v = 0; v < fleet.VmCount; v++)
        {
            load[where[v]] += fleet.Demand[v];
        }

        for (var h = 0; h < 4; h++)
        {
            Assert.True(load[h] / fleet.HostCapacity[h] <= 0.8 + 1e-9, $"host {h} at {load[h] / fleet.HostCapacity[h]:0.000}");
        }
    }

    [Fact]
    public void Underload_rule_empties_the_least_loaded_host_when_all_its_vms_fit_elsewhere()
    {
        // Host 1 (G5) runs VM 0 at 40 % (1000 MIPS, 0.19); host 3 (G5) runs VM 1 at 20 % (400 MIPS, 0.075).
        // Host 3 is the least loaded: its VM goes to host 1 (0.26 after).
        var fleet = Fleet(4, [[0.4], [0.2], [0.0], [0.0]], (0, 1), (1, 3), (2, 1), (3, 1));
        var plan = new List<MigrationOrder>();
        new BaselinePolicy(new ThresholdDetector(0.8)).Decide(fleet, plan);
        Assert.Equal([new MigrationOrder(1, 1)], plan);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_host_that_received_vms_from_an_overloaded_host_is_emptied_in_the_same_round_only_in_cloudsim_mode(bool evacuateReceivers)
    {
        // 8 VMs in blocks of two: 0-1 2500 MIPS, 2-3 2000, 4-5 1000, 6-7 500 (613 MB). Host 0 (G4, 3720) carries
        // VMs 2, 4, 6 at 1800 + 1000 + 500 = 0.89 > 0.8: MMT gives up VM 6, PABFD puts it on host 1 (G5, VM 0 at
        // 250 MIPS), the least power rise (+3.4 W against +4.4 W on host 2 and +5.4 W on host 3). Host 1 is then the
        // least-utilised host (0.047 before the round). CloudSim's exclusion list is built from an empty map, so it
        // empties host 1 in the same round, VM 6 included (two migrations of one VM); the corrected rule does not.
        var util = new[] { [0.1], [0.4], [0.9], [0.5], [1.0], [0.2], [1.0], new[] { 0.2 } };
        var setup = new ConsolidationSetup { Hosts = 4, EvacuateReceivers = evacuateReceivers };
        var fleet = Fleet(setup, util, (2, 0), (4, 0), (6, 0), (0, 1), (5, 2), (7, 2), (1, 3), (3, 3));
        var plan = new List<MigrationOrder>();
        new BaselinePolicy(new ThresholdDetector(0.8)).Decide(fleet, plan);

        Assert.Equal(new MigrationOrder(6, 1), plan[0]);
        if (evacuateReceivers)
        {
            Assert.Equal(2, plan.Count(o => o.Vm == 6));
            Assert.Contains(plan, o => o.Vm == 6 && o.Destination != 1);
            Assert.Contains(plan, o => o.Vm == 0 && o.Destination != 1);
        }
        else
        {
            Assert.Equal(1, plan.Count(o => o.Vm == 6));
            Assert.DoesNotContain(plan, o => o.Vm == 0);
        }
    }
}
