using Prescient.Core.Calendar;
using Prescient.Core.Settings;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using Prescient.Simulation.Consolidation;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>
/// One engine: the same fleet fed to the benchmark's Prescient policy (the consolidation harness's adapter) and,
/// through Azurite, to the live evaluate path gives the same plan, because both call Core's planner.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OneEngineTests(AzuriteFixture fixture)
{
    // Six CCPE hosts (even: G4, 3720 MIPS; odd: G5, 5320 MIPS), 8 GB each; hosts 4 and 5 asleep. VM types by index
    // modulo 4: 2500/2000/1000/500 MIPS with 870/1740/1740/613 MB.
    //   host 1 (G5): vm0 70 %, vm1 80 %, vm2 40 %: above 0.8, offload (to 0.7, the high threshold less the margin).
    //   host 0 (G4): vm3 50 %, vm4 60 %: inside the bench range [0.4, 0.8].
    //   host 3 (G5): vm5 10 %, vm6 20 %, and host 2 (G4): vm7 20 %: below 0.4, reduce power; one of them receives the
    //   offload, the other is emptied (an evacuation).
    private static readonly double[] Util = [0.7, 0.8, 0.4, 0.5, 0.6, 0.1, 0.2, 0.2];
    private static readonly int[] Layout = [1, 1, 1, 0, 0, 3, 3, 2];

    private static readonly HostSettings Bench = new PrescientPolicyOptions { Name = "prescient-reactive" }.Settings;

    [Fact]
    public async Task The_live_evaluate_path_and_the_benchmark_adapter_plan_the_same_moves()
    {
        var setup = new ConsolidationSetup { Hosts = 6, EnforceMemory = true, HostRamMb = 8192 };
        var fleet = new FleetState(setup, new PlanetLabDay("20110303", [.. Util.Select(u => new[] { u })]));
        var policy = new PrescientPolicy(new PrescientPolicyOptions { Name = "prescient-reactive" });
        policy.PlaceInitially(fleet, new Sink(fleet));
        for (var v = 0; v < Layout.Length; v++)
        {
            fleet.Place(v, Layout[v]);
        }

        fleet.RefreshDemand(0);
        policy.Decide(fleet, []);
        var benchmark = Moves(policy.LastPlan!.AllMoves.Select(m => (m.SourceHostId, m.DestinationHostId, m.VmIds)));
        Assert.NotEmpty(policy.LastPlan.Moves);
        Assert.True(policy.LastPlan.Evacuations.Count > 0, string.Join("\n", policy.LastPlan.Hosts.Select(h => h.HostId + ": " + string.Join(" ", h.Notes))));

        var (scheduler, cycle) = await EvaluateAsync(fleet);
        var live = Moves(scheduler.Started.Select(r => (r.SourceHostId, r.DestinationHostId, r.VmIds))
            .Concat(scheduler.Evacuations.SelectMany(e => e.Moves).Select(r => (r.SourceHostId, r.DestinationHostId, r.VmIds))));

        Assert.Equal(benchmark, live);
        Assert.Equal(
            policy.LastPlan.Hosts.Where(h => h.Decision is not null).Select(h => (h.HostId, h.Decision!.Indication)),
            cycle.Decisions.Where(d => d.Decision is not null).Select(d => (d.HostId, d.Decision!.Indication)));
    }

    private static List<string> Moves(IEnumerable<(string Source, string Destination, IReadOnlyList<string> VmIds)> moves) =>
        [.. moves.Select(m => $"{m.Source}->{m.Destination}:{string.Join("+", m.VmIds.Order(StringComparer.Ordinal))}").Order(StringComparer.Ordinal)];

    /// <summary>The same fleet written as the agents and the inventory would: windows of the last period, inventory, power, settings.</summary>
    private async Task<(RecordingScheduler Scheduler, Evaluate.EvaluationCycleResult Cycle)> EvaluateAsync(FleetState fleet)
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var calendar = PeriodCalendar.Default;
        var start = calendar.StartOf(calendar.Previous(calendar.PeriodOf(PipelineHarness.Now)));
        var store = harness.NewWindowStore();
        var ids = Enumerable.Range(0, fleet.HostCount).Select(h => h.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await harness.Hosts.TouchAsync(ids, PipelineHarness.Now, CancellationToken.None);
        for (var h = 0; h < fleet.HostCount; h++)
        {
            var capacity = fleet.HostCapacity[h];
            await harness.Hosts.SetInventoryAsync(ids[h], capacity, fleet.Setup.HostRamMb, CancellationToken.None);
            if (fleet.HostVms[h].Count == 0)
            {
                await harness.Hosts.SetPowerStateAsync(ids[h], "Reduced", CancellationToken.None);
                continue;
            }

            var vms = fleet.HostVms[h].Select(v => new VmSample("vm" + v, fleet.Util(v, 0) * fleet.VmMips[v] / capacity, fleet.VmRam[v], 0)).ToList();
            var load = Math.Min(1, fleet.HostRequestedMips[h] / capacity);
            var samples = Enumerable.Range(0, 4).Select(i => new TelemetrySample(i + 1, start.AddMinutes(i + 1), load, 0.3, 0.01, vms)).ToList();
            await store.ApplyAsync(ids[h], samples, CancellationToken.None);
        }

        var settings = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var patch = new HostSettingsPatch
        {
            ReactiveRange = Bench.ReactiveRange,
            ProactiveRange = Bench.ProactiveRange,
            FailsafeRange = Bench.FailsafeRange,
            ControllerMode = Bench.ControllerMode,
            VmCooldown = Bench.VmCooldown,
            MaxMigrationsPerCycle = Bench.MaxMigrationsPerCycle,
            MaxMigrationsPerHostPerCycle = Bench.MaxMigrationsPerHostPerCycle,
        };
        Assert.Equal(SettingsWriteStatus.Saved, (await settings.SetAsync(SettingsScope.Global, patch, null, CancellationToken.None)).Status);
        var scheduler = new RecordingScheduler();
        var service = harness.NewEvaluateService(store, settings, new DecisionStore(harness.Storage.Table(n => n.Decisions)), scheduler);
        return (scheduler, await service.RunCycleAsync(CancellationToken.None));
    }

    private sealed class Sink(FleetState fleet) : IPlacementSink
    {
        public void Place(int vm, int host) => fleet.Place(vm, host);
    }

    private sealed class RecordingScheduler : IMigrationScheduler
    {
        public List<MigrationRequest> Started { get; } = [];

        public List<EvacuationRequest> Evacuations { get; } = [];

        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken)
        {
            Started.Add(request);
            return Task.FromResult(new MigrationStartResult(request.MigrationId, true, null));
        }

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken)
        {
            Evacuations.Add(request);
            return Task.FromResult(new MigrationStartResult(request.EvacuationId, true, null));
        }

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
    }
}
