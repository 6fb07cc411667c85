using Prescient.Simulation.Benchmarks;
using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

/// <summary>
/// A synthetic Azure-format family of 10 VMs (one day) on the CCPE-ratio fleet (8 hosts), run through the benchmark
/// like the real families: idle VMs must be consolidated, a spike that no single host can carry must be relieved.
/// </summary>
public class FamilyEndToEndTests
{
    private static readonly string[] Policies = ["THR-MMT-0.8", "prescient-reactive", "prescient-proactive-vm"];

    private static ConsolidationReport Run(double[][] cpuPercent)
    {
        using var tmp = new TempFolder();
        var file = tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(cpuPercent));
        var options = new ConsolidationBenchmarkOptions
        {
            TracesDirectory = TraceFamilies.Locate(tmp.Path, "azure-v1"),
            Family = "azure-v1",
            Policies = Policies,
            Parallelism = 1,
        };
        return ConsolidationBenchmark.Run(options, ConsolidationBenchmark.AllPolicies());
    }

    private static double[][] Flat(double percent) =>
        [.. Enumerable.Range(0, 10).Select(_ => Enumerable.Repeat(percent, 288).ToArray())];

    [Fact]
    public void Idle_vms_spread_by_the_initial_placement_are_consolidated_onto_one_host()
    {
        var report = Run(Flat(3));

        var fleet = Assert.Single(report.Fleets);
        Assert.Equal(("azure-v1/2017-01-01", 8, 10), (fleet.Day, fleet.Hosts, fleet.Vms));
        Assert.True(fleet.EnergyFloorKWh > 0);
        // The initial placement (full VM MIPS) needs at least 4 of the 8 hosts.
        var day = new PlanetLabDay("azure-v1/2017-01-01", Flat(0.03).Select(r => r.Select(x => x).ToArray()).ToArray());
        var state = new FleetState(new ConsolidationSetup { Hosts = 8 }, day);
        PowerAwarePolicy.PlaceInitially(state, new DirectSink(state), 1.0);
        Assert.True(state.HostVms.Count(v => v.Count > 0) >= 4);

        Assert.Equal(Policies.Order(StringComparer.Ordinal), report.Results.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var r in report.Results)
        {
            // One host after the first decisions: the mean over the day is close to 1.
            Assert.InRange(r.MeanActiveHosts, 0.99, 1.1);
            Assert.Equal(0, r.Slatah);
            Assert.InRange(r.Migrations, 3, 12);
        }
    }

    [Fact]
    public void A_spike_no_single_host_can_carry_is_relieved_within_a_step_or_two()
    {
        // VMs 0-2 (2500 MIPS each) jump from 3 % to 95 % for 10 hours: 7125 MIPS, more than any host (5320).
        var cpu = Flat(3);
        for (var v = 0; v < 3; v++)
        {
            for (var k = 120; k < 240; k++)
            {
                cpu[v][k] = 95;
            }
        }

        var idle = Run(Flat(3));
        var spiked = Run(cpu);
        foreach (var r in spiked.Results)
        {
            var before = idle.Results.Single(x => x.Name == r.Name);
            Assert.True(r.MeanActiveHosts > before.MeanActiveHosts + 0.5, $"{r.Name}: {r.MeanActiveHosts} active hosts");
            Assert.True(r.Migrations > before.Migrations, r.Name);
            // Unrelieved, the host would sit at 100 % for the 36,000 s of the spike.
            Assert.True(r.P99OverloadSeconds <= 600, $"{r.Name}: p99 overload {r.P99OverloadSeconds} s");
            Assert.InRange(r.Slatah, 0, 0.01);
        }

        Assert.Equal("goal (azure-v1)", spiked.Goal.Describe()[..15]);
    }

    [Fact]
    public void A_fleet_too_small_for_the_days_vms_is_a_clear_error()
    {
        using var tmp = new TempFolder();
        var file = tmp.File("azure-v1/microsoft_avg_100_part1.csv", SyntheticFamilies.Azure(Flat(3)));
        var options = new ConsolidationBenchmarkOptions { TracesDirectory = file, Family = "azure-v1", Hosts = 2, Policies = ["THR-MMT-0.8"], Parallelism = 1 };
        var e = Assert.Throws<AggregateException>(() => ConsolidationBenchmark.Run(options, ConsolidationBenchmark.AllPolicies()));
        Assert.Contains("fleet is too small", Assert.IsType<InvalidOperationException>(e.InnerExceptions[0]).Message, StringComparison.Ordinal);
    }

    private sealed class DirectSink(FleetState fleet) : IPlacementSink
    {
        public void Place(int vm, int host) => fleet.Place(vm, host);
    }
}
