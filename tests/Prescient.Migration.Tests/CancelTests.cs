using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>An operator's cancel of a running migration: honoured before resume-started, ignored (and recorded) after.</summary>
public sealed class CancelTests
{
    private static async Task<MigrationProgress> WaitForPhaseAsync(DurableTaskClient client, string instanceId, string phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (state?.SerializedCustomStatus is not null && state.ReadCustomStatusAs<MigrationProgress>() is { } progress && progress.Phase == phase)
            {
                return progress;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{instanceId} did not reach phase {phase} in {timeout}: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
            }

            await Task.Delay(25);
        }
    }

    [Fact]
    public async Task A_cancel_during_precopy_aborts_the_vm_stays_on_the_source_and_the_lease_is_released()
    {
        // 4 GB over 20 MB/s: the first pre-copy round takes about 10 s at 20x.
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            [new SimHostSpec("h1", BandwidthMBps: 20), new SimHostSpec("h2", BandwidthMBps: 20)], [new SimVmSpec("vm1", "h1", 2, 4096, 1)]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var records = host.Services.GetRequiredService<IMigrationRecordStore>();
        var control = new DurableMigrationControl(records, () => host.Client);
        var request = FleetRig.Request("m-cancel", "h1", "h2", "vm1");
        var instanceId = MigrationInstanceIds.ForRequest(request);
        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);

        await WaitForPhaseAsync(host.Client, instanceId, "precopy", TimeSpan.FromSeconds(20));
        Assert.Equal(CancelOutcome.CancelRequested, await control.CancelAsync("m-cancel", "maintenance window", "alice-key", CancellationToken.None));

        var state = await FleetRig.WaitAsync(host.Client, instanceId, TimeSpan.FromSeconds(30));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Cancelled, outcome.Result);
        Assert.Equal("cancelled by alice-key: maintenance window", outcome.Reason);
        Assert.DoesNotContain(outcome.Steps, s => s.Step is "quiesce" or "resume" or "finish");
        Assert.Contains(outcome.Steps, s => s.Step == "abort" && s.Outcome == "ok");
        Assert.Contains(outcome.Steps, s => s.Step == "cancel" && s.Outcome.StartsWith("honoured", StringComparison.Ordinal));
        Assert.Equal("release", outcome.Steps[^1].Step);

        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.DoesNotContain(snapshot.Hosts.Single(h => h.HostId == "h2").Instances, i => i.VmId == "vm1");
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));

        var record = await records.GetAsync("m-cancel");
        Assert.Equal(MigrationResult.Cancelled, record!.Result);
        Assert.Equal("cancelled by alice-key: maintenance window", record.Outcome);
        Assert.NotNull(record.EndedAt);
        Assert.Equal(MigrationStatus.Cancelled, StoreMigrationHistory.ToSummary(record).Status);

        // Finished: a second cancel is refused and changes nothing.
        Assert.Equal(CancelOutcome.NotCancellable, await control.CancelAsync("m-cancel", "again", "alice-key", CancellationToken.None));
        Assert.Equal(CancelOutcome.NotFound, await control.CancelAsync("m-unknown", "x", "alice-key", CancellationToken.None));
    }

    [Fact]
    public async Task A_cancel_after_resume_started_is_refused_by_the_api_and_ignored_by_the_workflow_which_commits()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync([new SimHostSpec("h1"), new SimHostSpec("h2")], [new SimVmSpec("vm1", "h1", 2, 2048, 50)]);
        await using var _ = fleet;
        await using var __ = host;
        // The destination starts the VM, then stops answering: the workflow stays in its resume phase for a while.
        Assert.True(fleet.Model.InjectFault(new FaultSpec("h2", FaultKind.UnresponsiveAfterResumeStarted, DurationSeconds: 5)));
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var records = host.Services.GetRequiredService<IMigrationRecordStore>();
        var control = new DurableMigrationControl(records, () => host.Client);
        var request = FleetRig.Request("m-late", "h1", "h2", "vm1");
        var instanceId = MigrationInstanceIds.ForRequest(request);
        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);

        await WaitForPhaseAsync(host.Client, instanceId, "resume", TimeSpan.FromSeconds(30));
        Assert.Equal(CancelOutcome.NotCancellable, await control.CancelAsync("m-late", "too late", "alice-key", CancellationToken.None));

        // The event sent anyway (as a cancel racing resume-started would be) is recorded and ignored.
        await host.Client.RaiseEventAsync(instanceId, CancelMigration.EventName, new CancelMigration("too late", "alice-key"));
        var state = await FleetRig.WaitAsync(host.Client, instanceId, TimeSpan.FromSeconds(30));
        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Completed, outcome.Result);
        var cancel = Assert.Single(outcome.Steps, s => s.Step == "cancel");
        Assert.StartsWith("ignored: cancelled by alice-key: too late", cancel.Outcome, StringComparison.Ordinal);

        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Empty(snapshot.Hosts.Single(h => h.HostId == "h1").Instances);
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        var record = await records.GetAsync("m-late");
        Assert.Equal(MigrationResult.Completed, record!.Result);
        Assert.Contains(record.Steps, s => s.Step == "cancel" && s.Outcome.StartsWith("ignored", StringComparison.Ordinal));
    }
}
