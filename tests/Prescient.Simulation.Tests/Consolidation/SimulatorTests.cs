using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

public class SimulatorTests
{
    /// <summary>Places VMs where told (-1: leaves it unplaced) and migrates at given steps; optionally observes the fleet at each step.</summary>
    private sealed class ScriptedPolicy(int[] initial, Dictionary<int, MigrationOrder[]> moves, Action<FleetState>? observe = null) : IConsolidationPolicy
    {
        public string Name => "scripted";

        public string Settings => "";

        public void PlaceInitially(FleetState fleet, IPlacementSink sink)
        {
            for (var v = 0; v < initial.Length; v++)
            {
                if (initial[v] >= 0)
                {
                    sink.Place(v, initial[v]);
                }
            }
        }

        public void Decide(FleetState fleet, List<MigrationOrder> plan)
        {
            observe?.Invoke(fleet);
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

    [Fact]
    public void CloudSim_vm_removal_drops_a_vm_at_the_first_of_two_zero_samples_and_only_when_enabled()
    {
        // VM 0 (2500 MIPS) on host 1 (G5): 0.5, 0, 0.5, 0, 0 -> one zero followed by a non-zero sample keeps it
        // (CloudSim's interpolated demand just after step 1 is > 0); steps 3 and 4 are both 0, so it leaves at step 3.
        // VM 1 (2000 MIPS) on host 0 (G4) stays at 0.5 throughout.
        var day = new PlanetLabDay("d", [[0.5, 0, 0.5, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5]]);
        var cloudSim = new ConsolidationSetup { Hosts = 2, RemoveIdleVms = true };
        var seen = new List<(int Step, int Host0, int Host1, bool Removed0, double Demand0)>();
        var policy = new ObservingPolicy([1, 0], f => seen.Add((f.Step, f.HostVms[0].Count, f.HostVms[1].Count, f.VmRemoved[0], f.Demand[0])));
        var r = new ConsolidationSimulator(cloudSim).Run(day, policy);

        Assert.Equal([false, false, false, true, true], seen.Select(x => x.Removed0));
        Assert.Equal([1, 1, 1, 0, 0], seen.Select(x => x.Host1));
        Assert.All(seen, x => Assert.Equal(1, x.Host0));
        Assert.Equal(0, seen[3].Demand0);

        // Energy: host 1 is on at 1250 MIPS in steps 0 and 2 only (step 1 draws 0 W: no CPU in use); host 0 all along.
        var g5 = 101 + (4 * ((1250.0 / 5320 * 10) - 2));
        var g4 = 92.6 + (3.4 * ((1000.0 / 3720 * 10) - 2));
        Assert.Equal(((2 * g5) + (5 * g4)) * 300 / 3.6e6, r.EnergyKWh, 9);

        // Without the switch the VM stays placed all day.
        seen.Clear();
        new ConsolidationSimulator(cloudSim with { RemoveIdleVms = false }).Run(day, policy);
        Assert.All(seen, x => Assert.Equal(1, x.Host1));
    }

    [Fact]
    public void With_memory_enforced_a_move_to_a_host_without_room_is_refused_counted_and_the_run_goes_on()
    {
        // 2,048 MB hosts. VM 0 (870 MB) on host 0, VM 1 (1,740 MB) on host 1. At step 1 the policy moves VM 0 onto
        // host 1 (870 + 1,740 > 2,048: refused), then VM 1 to host 7 (no such host: refused), then VM 0 to host 2
        // (fits). Without enforcement the first move happens.
        var day = new PlanetLabDay("d", [[0.1, 0.1, 0.1], [0.1, 0.1, 0.1]]);
        var moves = new Dictionary<int, MigrationOrder[]> { [1] = [new(0, 1), new(1, 7), new(0, 2)] };
        var enforced = new ConsolidationSetup { Hosts = 4, HostRamMb = 2048, EnforceMemory = true };
        var seen = new List<int[]>();
        var r = new ConsolidationSimulator(enforced).Run(day, new ScriptedPolicy([0, 1], moves, f => seen.Add([.. f.VmHost])));

        Assert.Equal(2, r.RefusedMoves);
        Assert.Equal(1, r.Migrations);
        Assert.Equal([2, 1], seen[2]);
        Assert.Equal("step 1: scripted moved VM 0 (870 MB) to host 1, which has 1740 of 2048 MB and 1 VMs: refused", r.FirstRefusal);

        var free = new ConsolidationSimulator(enforced with { EnforceMemory = false }).Run(day, new ScriptedPolicy([0, 1], moves));
        Assert.Equal(1, free.RefusedMoves); // host 7 still does not exist
        Assert.Equal(2, free.Migrations);
    }

    [Fact]
    public void An_initial_placement_without_room_is_refused_and_the_simulator_places_the_vm_itself()
    {
        // Both VMs (870 and 1,740 MB) asked onto host 0 of 2,048 MB: the second is refused, then placed by the
        // simulator's power-aware best fit on another host. A VM the policy forgets is placed the same way.
        var day = new PlanetLabDay("d", [[0.1, 0.1], [0.1, 0.1], [0.1, 0.1]]);
        var setup = new ConsolidationSetup { Hosts = 4, HostRamMb = 2048 };
        var seen = new List<int[]>();
        var r = new ConsolidationSimulator(setup).Run(day, new ScriptedPolicy([0, 0], [], f => seen.Add([.. f.VmHost])));

        Assert.Equal(1, r.RefusedPlacements);
        Assert.Equal(2, r.VmsPlacedBySimulator);
        Assert.Equal(0, seen[0][0]);
        Assert.NotEqual(0, seen[0][1]);
        Assert.All(seen[0], host => Assert.InRange(host, 0, 3));
        Assert.StartsWith("initial placement: scripted placed VM 1 (1740 MB) on host 0", r.FirstRefusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_move_of_a_vm_that_is_not_running_is_refused()
    {
        // CloudSim's idle-VM removal takes VM 0 out at step 0 (two zero samples); moving it later is refused.
        var day = new PlanetLabDay("d", [[0, 0, 0], [0.1, 0.1, 0.1]]);
        var setup = new ConsolidationSetup { Hosts = 2, RemoveIdleVms = true };
        var r = new ConsolidationSimulator(setup).Run(day, new ScriptedPolicy([0, 1], new() { [1] = [new(0, 1), new(-3, 1)] }));
        Assert.Equal(2, r.RefusedMoves);
        Assert.Equal(0, r.Migrations);
    }

    [Fact]
    public void Every_result_carries_the_days_energy_floor_and_a_switch_the_policy_does_not_implement()
    {
        var day = new PlanetLabDay("d", [[0.5, 0.5]]);
        var setup = new ConsolidationSetup { Hosts = 2, EvacuateReceivers = true };
        var r = new ConsolidationSimulator(setup).Run(day, new ScriptedPolicy([1], []));

        Assert.Equal(EnergyFloor.KWh(setup, day), r.EnergyFloorKWh, 12);
        Assert.Equal(r.EnergyKWh / r.EnergyFloorKWh, r.EnergyVsFloor, 12);
        Assert.Equal(PolicySwitches.EvacuateReceivers, r.SwitchesNotHonoured);

        var baseline = new ConsolidationSimulator(setup).Run(day, new BaselinePolicy(new ThresholdDetector(0.8)));
        Assert.Equal(PolicySwitches.None, baseline.SwitchesNotHonoured);
        Assert.Equal(PolicySwitches.None, new ConsolidationSimulator(setup with { EvacuateReceivers = false }).Run(day, new ScriptedPolicy([1], [])).SwitchesNotHonoured);
    }

    private sealed class ObservingPolicy(int[] initial, Action<FleetState> observe) : IConsolidationPolicy
    {
        public string Name => "observing";

        public string Settings => "";

        public void PlaceInitially(FleetState fleet, IPlacementSink sink)
        {
            for (var v = 0; v < initial.Length; v++)
            {
                sink.Place(v, initial[v]);
            }
        }

        public void Decide(FleetState fleet, List<MigrationOrder> plan) => observe(fleet);
    }
}
