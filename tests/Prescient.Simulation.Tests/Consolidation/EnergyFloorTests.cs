using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;
using Prescient.Simulation.Fleet;

namespace Prescient.Simulation.Tests.Consolidation;

public class EnergyFloorTests
{
    private const double G4WattsPerMips = 31.0 / 3720; // the G4 table's envelope is one line, 86 W to 117 W

    [Fact]
    public void The_envelope_of_the_g5_table_has_three_segments_and_the_g4_table_one()
    {
        // G5 (5,320 MIPS): from 93.7 W, 3.3 W over the first 532 MIPS, 8 W over the next 1,064, then 30 W to full.
        var g5 = EnergyFloor.Envelope(PowerModel.HpProLiantMl110G5, 5320);
        Assert.Equal([532, 1064, 3724], g5.Select(s => Math.Round(s.WidthMips, 6)));
        Assert.Equal([3.3 / 532, 8.0 / 1064, 30.0 / 3724], g5.Select(s => s.WattsPerMips), new ToleranceComparer(1e-12));
        var g4 = Assert.Single(EnergyFloor.Envelope(PowerModel.HpProLiantMl110G4, 3720));
        Assert.Equal(G4WattsPerMips, g4.WattsPerMips, 12);
    }

    [Fact]
    public void A_hand_computed_floor_picks_the_cheaper_host_and_counts_memory_only_when_enforced()
    {
        // Hosts 0 and 2 are G4, 1 and 3 G5. VM 0 (2,500 MIPS, 870 MB) at 10 %, VM 1 (2,000 MIPS, 1,740 MB) at 10 %,
        // VM 2 (1,000 MIPS, 1,740 MB) idle: demand 450 MIPS, memory of the VMs using CPU 2,610 MB.
        // CPU only: one G4, 86 + 450 x 31 / 3,720 = 89.75 W, against one G5, 93.7 + 450 x 3.3 / 532 = 96.49 W.
        // Memory enforced on 2,048 MB hosts: two hosts must be powered. Two G4: 172 + 3.75 = 175.75 W; a G4 and a
        // G5: 179.7 + 2.79 = 182.49 W (the G5's first segment is the cheapest); two G5: 190.19 W. Idle VM 2's memory
        // does not count: a host whose VMs use no CPU draws 0 W in this harness.
        var day = new PlanetLabDay("d", [[0.1], [0.1], [0.0]]);
        var free = new ConsolidationSetup { Hosts = 4, HostRamMb = 2048 };
        Assert.Equal(89.75 * 300 / 3.6e6, EnergyFloor.KWh(free, day), 12);
        Assert.Equal(175.75 * 300 / 3.6e6, EnergyFloor.KWh(free with { EnforceMemory = true }, day), 12);

        var fleet = new FleetState(free with { EnforceMemory = true }, day);
        var floor = new EnergyFloor(fleet);
        fleet.RefreshDemand(0);
        Assert.Equal(175.75, floor.StepWatts(fleet), 9);
        Assert.True(floor.LastStepMemoryBound);
        Assert.Equal(0, floor.Watts(0, 0));
    }

    [Fact]
    public void Large_demand_fills_the_most_efficient_hosts_first()
    {
        // 10,000 MIPS on 2 G4 + 2 G5: both G5 (10,640 MIPS) carry it at 2 x 93.7 + 2 x (3.3 + 8) + 6,808 x 30 / 3,724
        // = 187.4 + 22.6 + 54.84 W; a plan with a G4 powers three hosts (346 W).
        var day = new PlanetLabDay("d", [[1.0], [1.0], [1.0], [1.0], [1.0], [1.0]]);
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 4 }, day);
        var floor = new EnergyFloor(fleet);
        Assert.Equal(187.4 + 22.6 + (6808 * 30.0 / 3724), floor.Watts(10_000, 0), 9);
        // More demand than the fleet can give is served up to its capacity: every host at full load.
        Assert.Equal((2 * 117) + (2 * 135), floor.Watts(1e9, 0), 9);
    }

    [Fact]
    public void No_policy_that_serves_all_demand_uses_less_energy_than_the_floor()
    {
        var util = new double[40][];
        for (var v = 0; v < 40; v++)
        {
            util[v] = [.. Enumerable.Range(0, 24).Select(k => Math.Clamp(0.05 + (0.4 * Math.Sin((k + v) / 4.0) * Math.Sin((k + v) / 4.0)), 0, 1))];
        }

        var day = new PlanetLabDay("d", util);
        foreach (var setup in new[] { new ConsolidationSetup { Hosts = 40 }, new ConsolidationSetup { Hosts = 40 }.WithEnforcedMemory() with { HostRamMb = 4096 } })
        {
            foreach (var factory in ConsolidationBenchmark.AllPolicies())
            {
                var r = new ConsolidationSimulator(setup).Run(day, factory());
                Assert.True(r.EnergyFloorKWh > 0, r.Name);
                if (r.Slatah == 0)
                {
                    Assert.True(r.EnergyKWh >= r.EnergyFloorKWh, $"{r.Name}: {r.EnergyKWh} kWh below the floor {r.EnergyFloorKWh}");
                }
            }
        }
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
