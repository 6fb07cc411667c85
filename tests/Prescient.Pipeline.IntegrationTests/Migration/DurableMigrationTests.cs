using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;
using Xunit.Abstractions;

namespace Prescient.Pipeline.IntegrationTests.Migration;

/// <summary>Migrations on the Azurite-backed local durable runtime (history and state in Azurite's tables and queues).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurableMigrationTests(AzuriteFixture fixture, ITestOutputHelper output)
{
    private static readonly SimHostSpec[] TwoHosts = [new("h1"), new("h2")];

    [Fact]
    public async Task A_migration_completes_end_to_end_and_its_history_lists_every_step_with_timings()
    {
        await using var fleet = await DurableRig.StartFleetAsync(TwoHosts, [new SimVmSpec("vm1", "h1", 2, 4096, 100)], acceleration: 20);
        await using var runtime = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, DurableRig.NewHubName(), fleet);
        var scheduler = runtime.Services.GetRequiredService<IMigrationScheduler>();
        var request = DurableRig.Request("e2e-1", "h1", "h2", "vm1");

        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);
        var state = await DurableRig.WaitAsync(runtime.Client, MigrationInstanceIds.ForRequest(request), TimeSpan.FromSeconds(90));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal("h2", fleet.Model.Snapshot().RunningOn("vm1"));
        Assert.Empty(fleet.Model.Snapshot().Violations());

        var history = await runtime.GetHistoryAsync(MigrationInstanceIds.ForRequest(request));
        var scheduled = history.Where(e => e.EventType == "TaskScheduled").ToList();
        foreach (var step in new[]
                 {
                     MigrationTaskNames.AcquireLeases, MigrationTaskNames.GetHostStatus, MigrationTaskNames.Prepare, MigrationTaskNames.StartRound,
                     MigrationTaskNames.Quiesce, MigrationTaskNames.Resume, MigrationTaskNames.Finish, MigrationTaskNames.ReleaseLeases,
                     MigrationTaskNames.RecordMigration,
                 })
        {
            var events = scheduled.Where(e => e.Name == step).ToList();
            Assert.True(events.Count > 0, $"{step} is missing from the history");
            foreach (var e in events)
            {
                var completed = history.Single(c => c.EventType == "TaskCompleted" && c.TaskScheduledId == e.EventId);
                Assert.True(completed.Timestamp >= e.Timestamp, $"{step}: completion before scheduling");
                output.WriteLine($"{step,-22} {e.Timestamp:HH:mm:ss.fff} -> {completed.Timestamp:HH:mm:ss.fff} ({(completed.Timestamp - e.Timestamp).TotalMilliseconds:0} ms)");
            }
        }

        Assert.Contains(history, e => e.EventType == "TimerCreated");
        var record = await runtime.Services.GetRequiredService<IMigrationRecordStore>().GetAsync("e2e-1");
        Assert.Equal(MigrationResult.Completed, record!.Result);
        Assert.Contains(record.Steps, s => s.Step == "resume");
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_running_migration_is_cancelled_through_the_local_runtime_client_and_the_event_is_in_its_history()
    {
        // 4 GB over 20 MB/s: the first pre-copy round takes about 10 s at 20x.
        await using var fleet = await DurableRig.StartFleetAsync(
            [new SimHostSpec("h1", BandwidthMBps: 20), new SimHostSpec("h2", BandwidthMBps: 20)], [new SimVmSpec("vm1", "h1", 2, 4096, 1)], acceleration: 20);
        await using var runtime = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, DurableRig.NewHubName(), fleet);
        var scheduler = runtime.Services.GetRequiredService<IMigrationScheduler>();
        var records = runtime.Services.GetRequiredService<IMigrationRecordStore>();
        var control = new DurableMigrationControl(records, () => runtime.Client);
        var request = DurableRig.Request("e2e-cancel", "h1", "h2", "vm1");
        var instanceId = MigrationInstanceIds.ForRequest(request);
        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await runtime.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true)) is not { SerializedCustomStatus: not null } state ||
               state.ReadCustomStatusAs<MigrationProgress>()?.Phase != "precopy")
        {
            Assert.True(DateTime.UtcNow < deadline, "the migration never reached pre-copy");
            await Task.Delay(50);
        }

        Assert.Equal(CancelOutcome.CancelRequested, await control.CancelAsync("e2e-cancel", "maintenance", "ops-key", CancellationToken.None));
        var done = await DurableRig.WaitAsync(runtime.Client, instanceId, TimeSpan.FromSeconds(90));
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{done.RuntimeStatus}: {done.FailureDetails?.ErrorType} {done.FailureDetails?.ErrorMessage} {done.FailureDetails?.StackTrace}");
        var outcome = done.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Cancelled, outcome.Result);
        Assert.Equal("cancelled by ops-key: maintenance", outcome.Reason);
        Assert.Equal("h1", fleet.Model.Snapshot().RunningOn("vm1"));
        Assert.Empty(fleet.Model.Snapshot().Violations());
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        var history = await runtime.GetHistoryAsync(instanceId);
        Assert.Contains(history, e => e.EventType == "EventRaised" && e.Name == CancelMigration.EventName);
        Assert.Equal(MigrationResult.Cancelled, (await records.GetAsync("e2e-cancel"))!.Result);
    }

    [Fact]
    public async Task A_runtime_killed_during_pre_copy_resumes_from_its_checkpoint_after_restart()
    {
        // 16 GB at 1250 MB/s in real time: round 1 alone takes about 13 s.
        await using var fleet = await DurableRig.StartFleetAsync(TwoHosts, [new SimVmSpec("vm1", "h1", 2, 16_384, 20)], acceleration: 1);
        var hub = DurableRig.NewHubName();
        var request = DurableRig.Request("kill-1", "h1", "h2", "vm1");
        var instanceId = MigrationInstanceIds.ForRequest(request);
        var first = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, hub, fleet);
        try
        {
            Assert.True((await first.Services.GetRequiredService<IMigrationScheduler>().StartAsync(request, CancellationToken.None)).Started);
            await DurableRig.WaitAsync(first.Client, instanceId, TimeSpan.FromSeconds(60),
                s => s?.SerializedCustomStatus?.Contains("precopy", StringComparison.Ordinal) == true);
        }
        finally
        {
            await first.KillAsync();
            await first.DisposeAsync();
        }

        var phaseAtKill = fleet.Model.Snapshot().Migrations.Single().Phase;
        output.WriteLine($"killed with the host-side migration in {phaseAtKill}");
        Assert.Equal(Core.Migration.HostMigrationPhase.Precopy, phaseAtKill);

        await using var second = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, hub, fleet);
        var state = await DurableRig.WaitAsync(second.Client, instanceId, TimeSpan.FromSeconds(120));

        output.WriteLine($"{state.RuntimeStatus} {state.FailureDetails?.ErrorType} {state.FailureDetails?.ErrorMessage} {state.FailureDetails?.StackTrace}");
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        output.WriteLine($"{outcome.Result}: {outcome.Reason}");
        foreach (var step in outcome.Steps)
        {
            output.WriteLine($"  {step.Step} {step.VmId} {step.StartedAt:HH:mm:ss.fff} -> {step.EndedAt:HH:mm:ss.fff} {step.Outcome}");
        }

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Single(snapshot.Hosts, h => h.Instances.Any(i => i.VmId == "vm1"));
        var history = await second.GetHistoryAsync(instanceId);
        Assert.Single(history, e => e.EventType == "TaskScheduled" && e.Name == MigrationTaskNames.Prepare);
        Assert.Empty(await second.Services.GetRequiredService<IMigrationScheduler>().GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_evacuation_runs_on_the_local_runtime_without_sub_orchestrations_with_every_move_step_in_its_history()
    {
        var hosts = new SimHostSpec[] { new("h1"), new("h2"), new("h3") };
        await using var fleet = await DurableRig.StartFleetAsync(hosts, [new SimVmSpec("vm1", "h1", 2, 4096, 100), new SimVmSpec("vm2", "h1", 1, 2048, 50)], acceleration: 20);
        await using var runtime = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, DurableRig.NewHubName(), fleet);
        var request = new EvacuationRequest("ev-1", "h1", "integration test",
            [DurableRig.Request("ev-1.vm1", "h1", "h2", "vm1"), DurableRig.Request("ev-1.vm2", "h1", "h3", "vm2")], DateTimeOffset.UtcNow);

        Assert.True((await runtime.Services.GetRequiredService<IMigrationScheduler>().StartEvacuationAsync(request, CancellationToken.None)).Started);
        var instanceId = MigrationInstanceIds.ForEvacuation("h1");
        var state = await DurableRig.WaitAsync(runtime.Client, instanceId, TimeSpan.FromSeconds(120));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<EvacuationOutcome>()!;
        Assert.True(outcome.PoweredDown, outcome.Reason);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal(("h2", "h3"), (snapshot.RunningOn("vm1"), snapshot.RunningOn("vm2")));
        Assert.Equal(Core.Migration.PowerState.Reduced, snapshot.Hosts.Single(h => h.HostId == "h1").PowerState);

        // One orchestration: no sub-orchestration, every step of both moves and the power-down in its history.
        var history = await runtime.GetHistoryAsync(instanceId);
        Assert.DoesNotContain(history, e => e.EventType.StartsWith("SubOrchestration", StringComparison.Ordinal));
        var scheduled = history.Where(e => e.EventType == "TaskScheduled").Select(e => e.Name).ToList();
        Assert.Equal(2, scheduled.Count(n => n == MigrationTaskNames.Resume));
        Assert.Equal(2, scheduled.Count(n => n == MigrationTaskNames.ReleaseLeases));
        Assert.Contains(MigrationTaskNames.SetHostPower, scheduled);
        var records = runtime.Services.GetRequiredService<IMigrationRecordStore>();
        Assert.Equal(MigrationResult.Completed, (await records.GetAsync("ev-1.vm1"))!.Result);
        Assert.Equal(MigrationResult.Completed, (await records.GetAsync("ev-1.vm2"))!.Result);
        Assert.Empty(await runtime.Services.GetRequiredService<IMigrationScheduler>().GetBusyVmIdsAsync(CancellationToken.None));
    }

    [BenchmarkFact]
    public async Task Migrations_per_minute_through_the_Azurite_backed_runtime()
    {
        const int count = 24;
        var hosts = Enumerable.Range(1, 6).Select(i => new SimHostSpec($"h{i}")).ToList();
        var vms = Enumerable.Range(1, count).Select(i => new SimVmSpec($"vm{i:00}", hosts[i % hosts.Count].HostId, 1, 2048, 50)).ToList();
        await using var fleet = await DurableRig.StartFleetAsync(hosts, vms, acceleration: 50);
        await using var runtime = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, DurableRig.NewHubName(), fleet);
        var scheduler = runtime.Services.GetRequiredService<IMigrationScheduler>();

        var clock = Stopwatch.StartNew();
        var requests = vms.Select((vm, i) => DurableRig.Request($"tp-{i}", vm.HostId, hosts[(i + 3) % hosts.Count].HostId == vm.HostId ? hosts[(i + 4) % hosts.Count].HostId : hosts[(i + 3) % hosts.Count].HostId, vm.VmId)).ToList();
        foreach (var request in requests)
        {
            Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);
        }

        var states = await Task.WhenAll(requests.Select(r => DurableRig.WaitAsync(runtime.Client, MigrationInstanceIds.ForRequest(r), TimeSpan.FromSeconds(180))));
        clock.Stop();

        var perMinute = count / clock.Elapsed.TotalMinutes;
        output.WriteLine($"{count} concurrent migrations through the Azurite-backed runtime in {clock.Elapsed.TotalSeconds:0.0} s: {perMinute:0} migrations/minute");
        Assert.All(states, s => Assert.Equal(MigrationResult.Completed, s.ReadOutputAs<MigrationOutcome>()!.Result));
        Assert.Empty(fleet.Model.Snapshot().Violations());
    }
}

/// <summary>A measurement rather than a test: runs only with PRESCIENT_BENCHMARKS=1 (it takes about a minute).</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("PRESCIENT_BENCHMARKS") != "1")
        {
            Skip = "Benchmark: set PRESCIENT_BENCHMARKS=1 to measure migrations per minute through the Azurite-backed runtime.";
        }
    }
}
