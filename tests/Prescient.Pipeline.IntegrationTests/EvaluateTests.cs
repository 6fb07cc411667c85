using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Core.Settings;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class EvaluateTests(AzuriteFixture fixture)
{
    private sealed class RecordingScheduler : IMigrationScheduler
    {
        public List<MigrationRequest> Started { get; } = [];

        public List<string> Evacuations { get; } = [];

        public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken)
        {
            if (Started.Any(r => r.MigrationId == request.MigrationId))
            {
                return Task.FromResult(new MigrationStartResult(request.MigrationId, false, "already running"));
            }

            Started.Add(request);
            return Task.FromResult(new MigrationStartResult(request.MigrationId, true, null));
        }

        public List<EvacuationRequest> EvacuationRequests { get; } = [];

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken)
        {
            Evacuations.Add(request.HostId);
            EvacuationRequests.Add(request);
            return Task.FromResult(new MigrationStartResult(request.EvacuationId, true, null));
        }

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<string>>(Busy);
    }

    /// <summary>Hosts measured in the last complete period: hot (0.95, five VMs of 0.18), two cool ones, an idle one.</summary>
    private static async Task<(PipelineHarness Harness, RecordingScheduler Scheduler, EvaluateService Service, DecisionStore Decisions, SettingsStore Settings)> SetUpAsync(AzuriteFixture fixture)
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var calendar = PeriodCalendar.Default;
        var last = calendar.Previous(calendar.PeriodOf(PipelineHarness.Now));
        var start = calendar.StartOf(last);
        var store = harness.NewWindowStore();
        foreach (var (host, load) in new[] { ("hot", 0.95), ("cool1", 0.30), ("cool2", 0.50), ("idle", 0.05) })
        {
            var vmCount = host == "hot" ? 5 : 1;
            var samples = Enumerable.Range(0, 10).Select(i => new TelemetrySample(
                i + 1, start.AddMinutes(i + 1), load, 0.3, 0.01,
                Enumerable.Range(0, vmCount).Select(v => new VmSample($"{host}-vm{v}", host == "hot" ? 0.18 : load * 0.9, 4096, 5)).ToList())).ToList();
            await store.ApplyAsync(host, samples, CancellationToken.None);
        }

        await harness.Hosts.TouchAsync(["hot", "cool1", "cool2", "idle"], PipelineHarness.Now, CancellationToken.None);
        var scheduler = new RecordingScheduler();
        var decisions = new DecisionStore(harness.Storage.Table(n => n.Decisions));
        var settings = new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time);
        var service = harness.NewEvaluateService(store, settings, decisions, scheduler);
        return (harness, scheduler, service, decisions, settings);
    }

    [Fact]
    public async Task A_cycle_records_an_explained_decision_per_host_and_hands_moves_to_the_scheduler_once()
    {
        var (_, scheduler, service, decisions, _) = await SetUpAsync(fixture);

        var cycle = await service.RunCycleAsync(CancellationToken.None);

        Assert.Equal(4, cycle.Decisions.Count);
        var hot = Assert.Single(cycle.Decisions, d => d.HostId == "hot");
        Assert.Equal(Indication.Offload, hot.Decision!.Indication);
        Assert.Equal(0.95, hot.Decision.Measured, 9);
        Assert.False(string.IsNullOrWhiteSpace(hot.Decision.Reason));
        // 0.95 down to 0.7 (the high threshold less the margin): two VMs, one to each cool host.
        Assert.Equal(2, scheduler.Started.Count);
        Assert.All(scheduler.Started, r => Assert.Equal("hot", r.SourceHostId));
        Assert.Equal(["cool1", "cool2"], scheduler.Started.Select(r => r.DestinationHostId).Order(StringComparer.Ordinal));
        Assert.All(scheduler.Started, r => Assert.Single(r.VmIds));
        Assert.All(hot.Migrations, m => Assert.Equal("started", m.Outcome));
        Assert.Equal(["idle"], scheduler.Evacuations);
        Assert.Equal(Indication.ReducePower, cycle.Decisions.Single(d => d.HostId == "idle").Decision!.Indication);
        Assert.All(cycle.Decisions.Where(d => d.HostId.StartsWith("cool", StringComparison.Ordinal)), d => Assert.Equal(Indication.None, d.Decision!.Indication));

        var stored = Assert.Single(await decisions.ListAsync("hot", 10, CancellationToken.None));
        Assert.Equal(hot.Summary, stored.Summary);
        Assert.Equal(hot.Decision.Reason, stored.Decision!.Reason);

        // The same cycle again (a timer firing twice): nothing new is started and the decision stays.
        var again = await service.RunCycleAsync(CancellationToken.None);
        Assert.Empty(again.Decisions);
        Assert.Equal(2, scheduler.Started.Count);
        Assert.Single(scheduler.Evacuations);
        Assert.Equal(hot.Summary, Assert.Single(await decisions.ListAsync("hot", 10, CancellationToken.None)).Summary);
    }

    [Fact]
    public async Task A_vm_still_listed_by_the_host_it_left_is_planned_once_and_not_moved_again()
    {
        var (harness, scheduler, service, _, _) = await SetUpAsync(fixture);
        var calendar = PeriodCalendar.Default;
        var start = calendar.StartOf(calendar.Previous(calendar.PeriodOf(PipelineHarness.Now)));
        // hot-vm0 just moved to cool1: cool1's samples list it too (hot's last window still does).
        var samples = Enumerable.Range(0, 3).Select(i => new TelemetrySample(
            100 + i, start.AddMinutes(15 + i), 0.30, 0.3, 0.01, [new VmSample("cool1-vm0", 0.27, 4096, 5), new VmSample("hot-vm0", 0.18, 4096, 5)])).ToList();
        await harness.NewWindowStore().ApplyAsync("cool1", samples, CancellationToken.None);

        var cycle = await service.RunCycleAsync(CancellationToken.None);

        Assert.Equal(4, cycle.Decisions.Count);
        Assert.DoesNotContain(scheduler.Started, r => r.VmIds.Contains("hot-vm0"));
        Assert.Equal(Indication.Offload, Assert.Single(cycle.Plan!.Hosts, h => h.HostId == "hot").Decision!.Indication);
    }

    [Fact]
    public async Task Dry_run_records_decisions_only_and_busy_vms_are_never_selected()
    {
        var (_, scheduler, service, _, settings) = await SetUpAsync(fixture);
        Assert.Equal(SettingsWriteStatus.Saved, (await settings.SetAsync(SettingsScope.Global, new HostSettingsPatch { DryRun = true }, null, CancellationToken.None)).Status);
        scheduler.Busy.UnionWith(["hot-vm0", "hot-vm1", "hot-vm2", "hot-vm3"]);

        var cycle = await service.RunCycleAsync(CancellationToken.None);

        Assert.Empty(scheduler.Started);
        Assert.Empty(scheduler.Evacuations);
        var hot = cycle.Decisions.Single(d => d.HostId == "hot");
        Assert.True(hot.DryRun);
        var planned = Assert.Single(hot.Migrations);
        Assert.Equal(["hot-vm4"], planned.VmIds);
        Assert.Equal("dry run: not started", planned.Outcome);
        Assert.Contains(hot.Notes, n => n.Contains("already migrating", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Through_the_live_evaluate_path_a_host_asked_to_reduce_power_keeps_a_vm_with_automatic_migration_off_and_its_decision_says_why()
    {
        var (_, scheduler, service, decisions, settings) = await SetUpAsync(fixture);
        var vm = new SettingsScope(SettingsScopeKind.Vm, "idle-vm0");
        Assert.Equal(SettingsWriteStatus.Saved, (await settings.SetAsync(vm, "{\"autoMigrate\":false}", null, CancellationToken.None)).Status);

        var cycle = await service.RunCycleAsync(CancellationToken.None);

        var idle = cycle.Decisions.Single(d => d.HostId == "idle");
        Assert.Equal(Indication.ReducePower, idle.Decision!.Indication);
        Assert.Empty(scheduler.Evacuations);
        Assert.Empty(idle.Migrations);
        var stored = Assert.Single(await decisions.ListAsync("idle", 10, CancellationToken.None));
        Assert.Contains("stays on", stored.Summary, StringComparison.Ordinal);
        Assert.Contains("idle-vm0", stored.Summary, StringComparison.Ordinal);
    }
}
