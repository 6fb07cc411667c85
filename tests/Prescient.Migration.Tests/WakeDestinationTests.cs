using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>An offload to a powered-down destination: the migration wakes it first (the patent's wake-a-sleeping-host).</summary>
public sealed class WakeDestinationTests
{
    private static readonly SimHostSpec[] SourceAndSleepingDestination = [new("h1"), new("h2", PowerState: PowerState.Reduced)];

    private sealed class RecordedPowerStates : IHostPowerStateRecorder
    {
        public ConcurrentDictionary<string, PowerState> States { get; } = new(StringComparer.Ordinal);

        public Task RecordAsync(string hostId, PowerState powerState, CancellationToken cancellationToken)
        {
            States[hostId] = powerState;
            return Task.CompletedTask;
        }
    }

    private static async Task<(MigrationOutcome Outcome, FleetSnapshot Snapshot, IReadOnlySet<string> Busy, RecordedPowerStates Power, MigrationRecord? Record)> MigrateAsync(
        bool wake, FaultSpec? fault = null)
    {
        var power = new RecordedPowerStates();
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            SourceAndSleepingDestination,
            [new SimVmSpec("vm1", "h1", 2, 2048, 50)],
            configureServices: services => services.AddSingleton<IHostPowerStateRecorder>(power));
        await using var _ = fleet;
        await using var __ = host;
        if (fault is not null)
        {
            Assert.True(fleet.Model.InjectFault(fault));
        }

        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var request = FleetRig.Request("m-wake", "h1", "h2", "vm1") with { WakeDestination = wake };
        var started = await scheduler.StartAsync(request, CancellationToken.None);
        Assert.True(started.Started, started.RefusalReason);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForRequest(request), TimeSpan.FromSeconds(60));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        var record = await host.Services.GetRequiredService<IMigrationRecordStore>().GetAsync("m-wake");
        return (state.ReadOutputAs<MigrationOutcome>()!, snapshot, await scheduler.GetBusyVmIdsAsync(CancellationToken.None), power, record);
    }

    [Fact]
    public async Task A_migration_that_wakes_its_destination_wakes_it_before_prepare_and_completes()
    {
        var (outcome, snapshot, busy, power, record) = await MigrateAsync(wake: true);

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Equal(PowerState.On, snapshot.Hosts.Single(h => h.HostId == "h2").PowerState);
        var steps = outcome.Steps.Select(s => s.Step).ToList();
        Assert.Equal(["lease", "source-status", "wake", "prepare"], steps.Take(4));
        Assert.Equal("ok", outcome.Steps.Single(s => s.Step == "wake").Outcome);
        Assert.Equal(PowerState.On, power.States["h2"]);
        Assert.Empty(busy);
        Assert.Contains(record!.Steps, s => s.Step == "wake");
    }

    [Fact]
    public async Task A_destination_that_cannot_be_woken_aborts_the_migration_and_releases_the_lease()
    {
        // Every call to h2 answers 503: the wake is retried with back-off, then gives up.
        var (outcome, snapshot, busy, power, record) = await MigrateAsync(wake: true, fault: new FaultSpec("h2", FaultKind.Errors, Count: 1000));

        Assert.Equal(MigrationResult.Aborted, outcome.Result);
        Assert.StartsWith("waking destination h2 failed:", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Equal(PowerState.Reduced, snapshot.Hosts.Single(h => h.HostId == "h2").PowerState);
        Assert.Contains(outcome.Steps, s => s.Step == "wake" && s.Outcome.StartsWith("failed", StringComparison.Ordinal));
        Assert.DoesNotContain(outcome.Steps, s => s.Step == "prepare");
        Assert.Equal("release", outcome.Steps[^1].Step);
        Assert.Empty(busy);
        Assert.Empty(power.States);
        Assert.Equal(MigrationResult.Aborted, record!.Result);
        Assert.Equal(outcome.Reason, record.Outcome);
    }

    [Fact]
    public async Task Without_the_wake_flag_nothing_is_woken_and_the_sleeping_destination_refuses()
    {
        var (outcome, snapshot, busy, power, _) = await MigrateAsync(wake: false);

        Assert.Equal(MigrationResult.Refused, outcome.Result);
        Assert.DoesNotContain(outcome.Steps, s => s.Step == "wake");
        Assert.Equal(PowerState.Reduced, snapshot.Hosts.Single(h => h.HostId == "h2").PowerState);
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Empty(power.States);
        Assert.Empty(busy);
    }
}
