using Prescient.Simulation.Consolidation;

namespace Prescient.Simulation.Tests.Consolidation;

public class MemoryEnforcementTests
{
    /// <summary>40 VMs whose load ramps and waves over 36 steps (peaks near 85 % of a VM).</summary>
    private static PlanetLabDay WaveDay()
    {
        var util = new double[40][];
        for (var v = 0; v < 40; v++)
        {
            util[v] = [.. Enumerable.Range(0, 36).Select(k => Math.Clamp(0.05 + (0.8 * Math.Pow(Math.Sin((k + (3 * v)) / 6.0), 2)), 0, 1))];
        }

        return new PlanetLabDay("d", util);
    }

    /// <summary>Runs <paramref name="inner"/> and checks, at every decision, that no host holds more memory than it has.</summary>
    private sealed class CheckingPolicy(IConsolidationPolicy inner) : IConsolidationPolicy
    {
        public string Name => inner.Name;

        public string Settings => inner.Settings;

        public PolicySwitches Honours => inner.Honours;

        public double MostRamUsedMb { get; private set; }

        public void PlaceInitially(FleetState fleet, IPlacementSink sink) => inner.PlaceInitially(fleet, sink);

        public void Decide(FleetState fleet, List<MigrationOrder> plan)
        {
            MostRamUsedMb = Math.Max(MostRamUsedMb, fleet.HostRamUsed.Max());
            inner.Decide(fleet, plan);
        }
    }

    [Fact]
    public void The_baselines_never_overcommit_memory_when_it_is_enforced_and_need_more_hosts_for_it()
    {
        var day = WaveDay();
        var ccpe = new ConsolidationSetup { Hosts = 40 };
        var enforced = ccpe with { EnforceMemory = true };
        foreach (var factory in BaselinePolicy.Standard)
        {
            var checking = new CheckingPolicy(factory());
            var r = new ConsolidationSimulator(enforced).Run(day, checking);
            Assert.Equal(0, r.RefusedMoves);
            Assert.Equal(0, r.RefusedPlacements);
            Assert.InRange(checking.MostRamUsedMb, 0, 4096);

            // Without enforcement the same policy packs past 4 GB and powers fewer hosts.
            var loose = new CheckingPolicy(factory());
            var free = new ConsolidationSimulator(ccpe).Run(day, loose);
            Assert.True(loose.MostRamUsedMb > 4096, $"{r.Name}: {loose.MostRamUsedMb} MB");
            Assert.True(r.MeanActiveHosts > free.MeanActiveHosts, $"{r.Name}: {r.MeanActiveHosts} against {free.MeanActiveHosts} hosts");
            Assert.True(r.HostHoursMemoryFull > 0, r.Name);
        }
    }

    [Fact]
    public void The_enforced_profile_has_32_gib_hosts_and_no_bandwidth_slot_limit_and_keeps_everything_else()
    {
        var ccpe = new ConsolidationSetup();
        var profile = ccpe.WithEnforcedMemory();
        Assert.True(profile.EnforceMemory);
        Assert.Equal(32768, profile.HostRamMb);
        Assert.Equal(int.MaxValue, profile.VmSlotsPerHost);
        Assert.Equal(10, ccpe.VmSlotsPerHost);
        Assert.Equal(ccpe.MigrationSeconds(1740), profile.MigrationSeconds(1740));
        Assert.Equal(ccpe with { EnforceMemory = true, HostRamMb = 32768, VmBandwidthMbps = 0 }, profile);
        Assert.StartsWith("memory enforced (32768 MB per host", profile.Mode, StringComparison.Ordinal);
        Assert.StartsWith("memory as in CCPE (4096 MB per host, initial placement only)", ccpe.Mode, StringComparison.Ordinal);
    }

    /// <summary>Records what the oracle view shows at each step.</summary>
    private sealed class RecordingOracle(int lookahead) : IForesightPolicy
    {
        public FutureDemand? Future { get; private set; }

        public List<(int Step, double[] Ahead)> Seen { get; } = [];

        public string Name => "recording-oracle";

        public string Settings => "";

        public int LookaheadSteps => lookahead;

        public void Foresee(FutureDemand future) => Future = future;

        public void PlaceInitially(FleetState fleet, IPlacementSink sink)
        {
            Seen.Add((fleet.Step, [.. Enumerable.Range(1, lookahead).Select(a => Future!.Util(0, a))]));
            PowerAwarePolicy.PlaceInitially(fleet, sink, 1.0);
        }

        public void Decide(FleetState fleet, List<MigrationOrder> plan) =>
            Seen.Add((fleet.Step, [.. Enumerable.Range(1, lookahead).Select(a => Future!.Util(0, a))]));
    }

    [Fact]
    public void Only_a_foresight_policy_sees_the_future_and_only_as_far_as_it_declared()
    {
        // VM 0: 0.1, 0.2, 0.3, 0, 0, 0.6. With CloudSim's idle-VM removal it leaves at step 3 (two zero samples), so
        // the oracle reads 0 from step 3 on, as the simulator will replay it.
        var day = new PlanetLabDay("d", [[0.1, 0.2, 0.3, 0, 0, 0.6], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]);
        var oracle = new RecordingOracle(2);
        new ConsolidationSimulator(new ConsolidationSetup { Hosts = 2 }).Run(day, oracle);
        Assert.Equal(-1, oracle.Seen[0].Step); // the initial placement: 1 ahead is step 0
        Assert.Equal([0.1, 0.2], oracle.Seen[0].Ahead);
        Assert.Equal([0.3, 0.0], oracle.Seen[2].Ahead);
        Assert.Equal([0.6, 0.6], oracle.Seen[5].Ahead); // past the last step, the last sample repeats
        Assert.Throws<ArgumentOutOfRangeException>(() => oracle.Future!.Util(0, 3));

        var removing = new RecordingOracle(3);
        new ConsolidationSimulator(new ConsolidationSetup { Hosts = 2, RemoveIdleVms = true }).Run(day, removing);
        Assert.Equal([0.3, 0.0, 0.0], removing.Seen[2].Ahead);
        Assert.Equal([0.0, 0.0, 0.0], removing.Seen[3].Ahead);

        // Every other policy sees the past and the present only.
        var fleet = new FleetState(new ConsolidationSetup { Hosts = 2 }, day);
        fleet.RefreshDemand(2);
        Assert.Equal(0.3, fleet.Util(0, 2));
        Assert.Equal([0.1, 0.2, 0.3], fleet.PastUtil(0).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => fleet.Util(0, 3));
    }
}
