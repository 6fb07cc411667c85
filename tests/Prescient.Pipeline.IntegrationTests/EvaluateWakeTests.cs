using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Controller;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>An offload with no running host that fits: a sleeping host (no telemetry) is woken as the destination.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EvaluateWakeTests(AzuriteFixture fixture)
{
    private sealed class RecordingScheduler : IMigrationScheduler
    {
        public List<MigrationRequest> Started { get; } = [];

        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken)
        {
            Started.Add(request);
            return Task.FromResult(new MigrationStartResult(request.MigrationId, true, null));
        }

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MigrationStartResult(request.EvacuationId, false, "not expected in these tests"));

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>
    /// "hot" measured 0.95 (five VMs of 0.18), "full" measured 0.78 (no room for 0.18 under the 0.80 ceiling), and a
    /// third host "spare" with no telemetry whose stored power state is <paramref name="spareState"/> (null: none).
    /// </summary>
    private static async Task<(EvaluationCycleResult Cycle, RecordingScheduler Scheduler)> RunAsync(AzuriteFixture fixture, string? spareState)
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var calendar = PeriodCalendar.Default;
        var last = calendar.Previous(calendar.PeriodOf(PipelineHarness.Now));
        var start = calendar.StartOf(last);
        var store = harness.NewWindowStore();
        foreach (var (host, load, vms) in new[] { ("hot", 0.95, 5), ("full", 0.78, 2) })
        {
            var samples = Enumerable.Range(0, 10).Select(i => new TelemetrySample(
                i + 1, start.AddMinutes(i + 1), load, 0.3, 0.01,
                Enumerable.Range(0, vms).Select(v => new VmSample($"{host}-vm{v}", host == "hot" ? 0.18 : 0.39, 4096, 5)).ToList())).ToList();
            await store.ApplyAsync(host, samples, CancellationToken.None);
        }

        await harness.Hosts.TouchAsync(["hot", "full", "spare"], PipelineHarness.Now.AddDays(-1), CancellationToken.None);
        await harness.Hosts.SetPowerStateAsync("hot", "On", CancellationToken.None);
        await harness.Hosts.SetPowerStateAsync("full", "On", CancellationToken.None);
        if (spareState is not null)
        {
            await harness.Hosts.SetPowerStateAsync("spare", spareState, CancellationToken.None);
        }

        await harness.Hosts.SetInventoryAsync("spare", 1.0, 128 * 1024, CancellationToken.None);
        var scheduler = new RecordingScheduler();
        var service = harness.NewEvaluateService(store, new SettingsStore(harness.Storage.Table(n => n.Settings), harness.Time), new DecisionStore(harness.Storage.Table(n => n.Decisions)), scheduler);
        return (await service.RunCycleAsync(CancellationToken.None), scheduler);
    }

    [Fact]
    public async Task An_offload_with_no_running_host_that_fits_wakes_a_sleeping_host()
    {
        var (cycle, scheduler) = await RunAsync(fixture, "Sleeping");

        var hot = cycle.Decisions.Single(d => d.HostId == "hot");
        Assert.Equal(Indication.Offload, hot.Decision!.Indication);
        // 0.95 down to 0.7 (the high threshold less the margin) takes two VMs of 0.18, both to the woken host.
        Assert.Equal(2, hot.Migrations.Count);
        Assert.All(hot.Migrations, m => Assert.Equal(("spare", true, "started"), (m.DestinationHostId, m.WakesHost, m.Outcome)));
        Assert.Equal(2, scheduler.Started.Count);
        Assert.All(scheduler.Started, r => Assert.Equal(("hot", "spare", true), (r.SourceHostId, r.DestinationHostId, r.WakeDestination)));

        // The sleeping host gets no decision of its own, only the note saying why.
        var spare = cycle.Decisions.Single(d => d.HostId == "spare");
        Assert.Null(spare.Decision);
        Assert.Contains(FleetSnapshotReader.SleepingNote, spare.Notes);
        Assert.Equal(Indication.None, cycle.Decisions.Single(d => d.HostId == "full").Decision!.Indication);
    }

    [Theory]
    [InlineData("Unavailable")]
    [InlineData(null)]
    public async Task A_silent_host_that_is_not_known_to_sleep_is_never_a_destination(string? spareState)
    {
        var (cycle, scheduler) = await RunAsync(fixture, spareState);

        Assert.Empty(scheduler.Started);
        var hot = cycle.Decisions.Single(d => d.HostId == "hot");
        Assert.Equal(Indication.Offload, hot.Decision!.Indication);
        Assert.Empty(hot.Migrations);
        Assert.Contains(hot.Notes, n => n.Contains("No host fits", StringComparison.Ordinal));
        var spare = cycle.Decisions.Single(d => d.HostId == "spare");
        Assert.Null(spare.Decision);
        Assert.DoesNotContain(FleetSnapshotReader.SleepingNote, spare.Notes);
        Assert.Contains(spare.Notes, n => n.StartsWith("no measurement", StringComparison.Ordinal));
    }
}
