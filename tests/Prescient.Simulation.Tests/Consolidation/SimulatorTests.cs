using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

public class SimulatorTests
{
    /// <summary>Places VMs where told and migrates at given steps.</summary>
    private sealed class ScriptedPolicy(int[] initial, Dictionary<int, MigrationOrder[]> moves) : IConsolidationPolicy
    {
        public string Name => "scripted";

        public string Settings => "";

        public void PlaceInitially(FleetState fleet, IPlacementSink sink)
        {
            for (var v = 0; v < initial.Length; v++)
            {
                sink.Place(v, initial[v]);
            }
        }

        public void Decide(FleetState fleet, List<MigrationOrder> plan)
        {
            if (moves.TryGetValue(fleet.Step, out var m))
            {
                plan.AddRange(m);
            }
        }
    }

    private static readonly ConsolidationSetup TwoHosts = new() { Hosts = 2 };

    [Fact]
    public void Energy_is_power_at_utilisation_times_time_for_active_hosts_only()
    {
        // One 2500-MIPS VM at 50 % on host 1 (G5, 5320 MIPS) for two steps; host 0 stays off.
        var day = new PlanetLabDay("d", [[0.5, 0.5]]);
        var r = new ConsolidationSimulator(TwoHosts).Run(day, new ScriptedPolicy([1], []));
        var u = 1250.0 / 5320; // 0.23496 -> 101 + 4 * 0.3496
        var watts = 101 + (4 * ((u * 10) - 2));
        Assert.Equal(watts * 600 / 3.6e6, r.EnergyKWh, 9);
        Assert.Equal(0, r.Slatah);
        Assert.Equal(0, r.Pdm);
        Assert.Equal(0, r.Migrations);
    }

    [Fact]
    public void Slatah_and_pdm_on_a_hand_checked_fleet()
    {
        // VM 0: 2500 MIPS, 870 MB; VM 1: 2000 MIPS, 1740 MB; both on host 0 (G4: 2 x 1860 MIPS).
        // Step 0: 1750 + 1800 = 3550 <= 3720, fine. Step 1: VM 0 wants 2500 > one PE (1860): host 0 at 100 %.
        // At step 1 VM 1 moves to host 1: 1740 MB / 62.5 MB/s = 27.84 s.
        var day = new PlanetLabDay("d", [[0.7, 1.0], [0.9, 0.9]]);
        var policy = new ScriptedPolicy([0, 0], new() { [1] = [new MigrationOrder(1, 1)] });
        var r = new ConsolidationSimulator(TwoHosts).Run(day, policy);

        // Host 0 violated for all of step 1 (300 s); active 600 s. Host 1 active 300 s (10 % of VM 1 during the
        // migration, then VM 1). SLATAH = 300 / 900.
        Assert.Equal(300.0 / 900, r.Slatah, 9);
        // CloudSim also counts host 1 while it receives the VM: (300 + 27.84) / 900.
        Assert.Equal(327.84 / 900, r.SlatahCloudSim, 9);
        // PDM = 10 % x 1800 MIPS x 27.84 s / ((1750 + 1800) x 300 + (2500 + 1800) x 300).
        Assert.Equal(0.1 * 1800 * 27.84 / 2_355_000, r.Pdm, 12);
        Assert.Equal(r.Slatah * r.Pdm, r.Slav, 15);
        Assert.Equal(r.EnergyKWh * r.Slav, r.Esv, 15);
        Assert.Equal(1, r.Migrations);
        Assert.Equal(300, r.MeanOverloadSeconds, 9);
    }

    [Fact]
    public void A_vm_moved_back_within_an_hour_counts_as_undone()
    {
        var day = new PlanetLabDay("d", [[0.1, 0.1, 0.1, 0.1]]);
        var policy = new ScriptedPolicy([0], new() { [1] = [new MigrationOrder(0, 1)], [3] = [new MigrationOrder(0, 0)] });
        var r = new ConsolidationSimulator(TwoHosts).Run(day, policy);
        Assert.Equal(2, r.Migrations);
        Assert.Equal(1, r.MigrationsUndoneWithinHour);
    }
}
