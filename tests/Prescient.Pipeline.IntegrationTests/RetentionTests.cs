using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.IntegrationTests.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Retention;
using Prescient.Pipeline.Storage;
using Prescient.Simulation.FleetService;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>
/// Retention on Azurite and the local durable runtime: what is older than the window goes (finished migrations with
/// their orchestration histories, decisions, dead letters), what is newer or still running stays.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RetentionTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = PipelineHarness.Now;

    private static DecisionRecord Decision(string hostId, DateTimeOffset at) =>
        new(hostId, at.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture), at, false, null, "test", [], []);

    private static MigrationRecord Migration(string id, DateTimeOffset started, MigrationResult result) =>
        new(id, "mig-" + id, "h1", "h2", ["vm-" + id], null, "test", result, "", started,
            result == MigrationResult.Running ? null : started.AddMinutes(2), [], []);

    [Fact]
    public async Task A_run_deletes_only_what_is_older_than_the_window_and_a_second_run_deletes_nothing()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        var decisions = new DecisionStore(harness.Storage.Table(n => n.Decisions));
        var records = new MigrationRecordStore(harness.Storage.Tables, "mig" + Guid.NewGuid().ToString("N")[..10]);
        await harness.Hosts.TouchAsync(["h1", "h2"], Now, CancellationToken.None);
        foreach (var host in new[] { "h1", "h2" })
        {
            foreach (var age in new[] { 45, 31, 29, 1 })
            {
                var at = Now.AddDays(-age);
                await decisions.WriteAsync(Decision(host, at), at, CancellationToken.None);
            }
        }

        await records.UpsertAsync(Migration("old", Now.AddDays(-40), MigrationResult.Completed));
        await records.UpsertAsync(Migration("old-aborted", Now.AddDays(-35), MigrationResult.Aborted));
        await records.UpsertAsync(Migration("old-running", Now.AddDays(-40), MigrationResult.Running));
        await records.UpsertAsync(Migration("recent", Now.AddDays(-2), MigrationResult.Completed));
        foreach (var (age, id) in new[] { (40, "a"), (31, "b"), (3, "c") })
        {
            await new DeadLetterStore(harness.DeadLetters.Table, new FakeTimeProvider(Now.AddDays(-age))).WriteAsync(
                [(new TelemetryRejection(RejectionCodes.InvalidJson, "r", "h1", null, null, "{"u8.ToArray()), new PayloadOrigin("queue:t", id, Now.AddDays(-age)))],
                CancellationToken.None);
        }

        var histories = new RecordingControl();
        var retention = new RetentionService(
            new RetentionOptions(), records, histories, decisions, harness.Hosts, harness.DeadLetters, harness.Time, harness.Time, NullLogger<RetentionService>.Instance);

        var result = await retention.RunAsync(CancellationToken.None);

        Assert.Equal(Now.AddDays(-30), result.Cutoff);
        Assert.Equal([Now.AddDays(-30)], histories.Purges);
        Assert.Equal((2, 4, 2), (result.Migrations, result.Decisions, result.DeadLetters));
        Assert.Equal(["old-running", "recent"], (await records.ListAsync(100)).Select(r => r.MigrationId).Order(StringComparer.Ordinal));
        foreach (var host in new[] { "h1", "h2" })
        {
            Assert.Equal([Now.AddDays(-1), Now.AddDays(-29)], (await decisions.ListAsync(host, 100, CancellationToken.None)).Select(d => d.At));
        }

        var letters = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(Now.AddDays(-60), Now, null, null, 100), CancellationToken.None);
        Assert.Equal(["c"], letters.DeadLetters.Select(d => d.Origin.Id));

        var again = await retention.RunAsync(CancellationToken.None);
        Assert.Equal((0, 0, 0), (again.Migrations, again.Decisions, again.DeadLetters));
    }

    [Fact]
    public async Task Finished_orchestration_histories_and_migration_rows_are_purged_once_past_the_window()
    {
        await using var fleet = await DurableRig.StartFleetAsync([new SimHostSpec("h1"), new SimHostSpec("h2")], [new SimVmSpec("vm1", "h1", 2, 1024, 10)], acceleration: 20);
        await using var runtime = await DurableRig.StartRuntimeAsync(azurite.ConnectionString, DurableRig.NewHubName(), fleet);
        var scheduler = runtime.Services.GetRequiredService<IMigrationScheduler>();
        var records = runtime.Services.GetRequiredService<IMigrationRecordStore>();
        var request = DurableRig.Request("retention-" + Guid.NewGuid().ToString("N")[..8], "h1", "h2", "vm1");
        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);
        var instanceId = MigrationInstanceIds.ForRequest(request);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await DurableRig.WaitAsync(runtime.Client, instanceId, TimeSpan.FromSeconds(120))).RuntimeStatus);
        Assert.NotNull(await records.GetAsync(request.MigrationId));

        // 31 days later (the rig's pipeline and workflows both keep real time), the migration's row and its history are past the window.
        var harness = await PipelineHarness.CreateAsync(azurite);
        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(31));
        var retention = new RetentionService(
            new RetentionOptions(), records, new DurableMigrationControl(records, () => runtime.Client), new DecisionStore(harness.Storage.Table(n => n.Decisions)),
            harness.Hosts, harness.DeadLetters, later, later, NullLogger<RetentionService>.Instance);
        var result = await retention.RunAsync(CancellationToken.None);

        Assert.True(result.OrchestrationHistories >= 1, $"purged {result.OrchestrationHistories} histories");
        Assert.Null(await runtime.Client.GetInstanceAsync(instanceId));
        Assert.Null(await records.GetAsync(request.MigrationId));
    }

    [Fact]
    public async Task The_api_purge_deletes_the_migration_rows_as_well_as_the_histories()
    {
        var records = new MigrationRecordStore(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString), "mig" + Guid.NewGuid().ToString("N")[..10]);
        await records.UpsertAsync(Migration("done", Now.AddDays(-3), MigrationResult.Completed));
        await records.UpsertAsync(Migration("running", Now.AddDays(-3), MigrationResult.Running));
        var control = new RecordingControl();

        var purged = await new StoreMigrationHistory(records, control).PurgeAsync(Now, CancellationToken.None);

        Assert.Equal(1, purged);
        Assert.Equal([Now], control.Purges);
        Assert.Equal(["running"], (await records.ListAsync(10)).Select(r => r.MigrationId));
    }

    /// <summary>Records the purge cut-offs (the durable purge itself is tested against the real runtime above).</summary>
    private sealed class RecordingControl : IMigrationControl
    {
        public List<DateTimeOffset> Purges { get; } = [];

        public Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken) =>
            Task.FromResult(CancelOutcome.NotFound);

        public Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
        {
            Purges.Add(completedBefore);
            return Task.FromResult(0);
        }
    }
}
