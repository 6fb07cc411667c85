using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

/// <summary>The migration workflow on the in-memory durable backend against the fleet simulator service.</summary>
public sealed class MigrationWorkflowTests
{
    private static readonly SimHostSpec[] TwoHosts = [new("h1"), new("h2")];

    private static async Task<MigrationOutcome> RunAsync(DurableTaskClient client, IMigrationScheduler scheduler, MigrationRequest request)
    {
        var started = await scheduler.StartAsync(request, CancellationToken.None);
        Assert.True(started.Started, started.RefusalReason);
        var state = await FleetRig.WaitAsync(client, MigrationInstanceIds.ForRequest(request), TimeSpan.FromSeconds(15));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        return state.ReadOutputAs<MigrationOutcome>()!;
    }

    [Fact]
    public async Task A_migration_moves_the_vm_through_every_step_and_releases_the_lease()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(TwoHosts, [new SimVmSpec("vm1", "h1", 2, 4096, 100)]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();

        var outcome = await RunAsync(host.Client, scheduler, FleetRig.Request("m1", "h1", "h2", "vm1"));

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Empty(snapshot.Hosts.Single(h => h.HostId == "h1").Instances);
        var steps = outcome.Steps.Select(s => s.Step).ToList();
        Assert.Equal(["lease", "source-status", "prepare"], steps.Take(3));
        Assert.Contains("precopy-round-1", steps);
        Assert.True(steps.IndexOf("quiesce") < steps.IndexOf("resume") && steps.IndexOf("resume") < steps.IndexOf("finish"));
        Assert.Equal("release", steps[^1]);
        Assert.All(outcome.Steps, s => Assert.True(s.EndedAt >= s.StartedAt));
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        var record = await host.Services.GetRequiredService<IMigrationRecordStore>().GetAsync("m1");
        Assert.Equal(MigrationResult.Completed, record!.Result);
        Assert.NotNull(record.EndedAt);
        Assert.Equal(outcome.Steps.Count, record.Steps.Count);
    }
}

public sealed class MigrationFaultTests
{
    private static readonly SimHostSpec[] TwoHosts = [new("h1"), new("h2")];

    private static async Task<(MigrationOutcome Outcome, FleetSnapshot Snapshot, IReadOnlySet<string> Busy)> MigrateAsync(
        SimVmSpec vm, Func<FleetSimulatorService, Task>? arrange = null, MigrationPolicy? policy = null, FaultSpec? fault = null)
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(TwoHosts, [vm], policy);
        await using var _ = fleet;
        await using var __ = host;
        if (fault is not null)
        {
            Assert.True(fleet.Model.InjectFault(fault));
        }

        if (arrange is not null)
        {
            await arrange(fleet);
        }

        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var request = FleetRig.Request("m-" + vm.VmId, "h1", "h2", vm.VmId);
        var started = await scheduler.StartAsync(request, CancellationToken.None);
        Assert.True(started.Started, started.RefusalReason);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForRequest(request), TimeSpan.FromSeconds(60));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        return (state.ReadOutputAs<MigrationOutcome>()!, snapshot, await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Destination_unresponsive_before_resume_started_aborts_and_the_vm_keeps_running_on_the_source()
    {
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 50),
            fault: new FaultSpec("h2", FaultKind.UnresponsiveOnResume, DurationSeconds: 30));

        Assert.Equal(MigrationResult.Aborted, outcome.Result);
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.DoesNotContain(snapshot.Hosts.Single(h => h.HostId == "h2").Instances, i => i.VmId == "vm1");
        Assert.Contains(outcome.Steps, s => s.Step == "abort" && s.Outcome == "ok");
        Assert.Empty(busy);
    }

    [Fact]
    public async Task Destination_unresponsive_after_resume_started_commits_and_completes_on_the_destination()
    {
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 50),
            fault: new FaultSpec("h2", FaultKind.UnresponsiveAfterResumeStarted, DurationSeconds: 5));

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Contains("commits", outcome.Vms.Single().Reason, StringComparison.Ordinal);
        Assert.Empty(snapshot.Hosts.Single(h => h.HostId == "h1").Instances);
        Assert.Empty(busy);
    }

    [Fact]
    public async Task Dirty_rate_above_bandwidth_aborts_when_set_to_abort()
    {
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 5000));

        Assert.Equal(MigrationResult.Aborted, outcome.Result);
        Assert.Contains("diverging", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Empty(busy);
    }

    [Fact]
    public async Task Dirty_rate_above_bandwidth_is_moved_by_a_longer_stop_and_copy_when_set()
    {
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 5000),
            policy: FleetRig.FastPolicy(NonConvergenceHandling.StopAndCopy));

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Contains(outcome.Steps, s => s.Step == "precopy-round-1" && s.Outcome.Contains("StopAndCopy", StringComparison.Ordinal));
        Assert.Empty(busy);
    }

    [Fact]
    public async Task A_refusing_destination_leaves_the_vm_on_the_source()
    {
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 50),
            fault: new FaultSpec("h2", FaultKind.RefusePrepare, Reason: "maintenance"));

        Assert.Equal(MigrationResult.Refused, outcome.Result);
        Assert.Contains("maintenance", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Empty(busy);
    }

    [Fact]
    public async Task A_burst_of_5xx_is_retried_with_back_off_and_the_migration_completes()
    {
        var (outcome, snapshot, _) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 50),
            fault: new FaultSpec("h1", FaultKind.Errors, Count: 3));

        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
    }

    [Fact]
    public async Task A_step_slower_than_its_timeout_aborts_before_resume()
    {
        var policy = FleetRig.FastPolicy() with { Timeouts = FleetRig.FastPolicy().Timeouts with { Prepare = TimeSpan.FromSeconds(2) } };
        var (outcome, snapshot, busy) = await MigrateAsync(new SimVmSpec("vm1", "h1", 2, 2048, 50), policy: policy,
            fault: new FaultSpec("h2", FaultKind.Slow, DelayMs: 4000));

        Assert.Equal(MigrationResult.Aborted, outcome.Result);
        Assert.Contains(outcome.Steps, s => s.Step == "prepare" && s.Outcome.StartsWith("timeout", StringComparison.Ordinal));
        Assert.Equal("h1", snapshot.RunningOn("vm1"));
        Assert.Empty(busy);
    }

    [Fact]
    public async Task Two_requests_for_the_same_vm_at_once_start_one_migration()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(TwoHosts, [new SimVmSpec("vm1", "h1", 2, 2048, 50)]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();

        var results = await Task.WhenAll(
            scheduler.StartAsync(FleetRig.Request("a", "h1", "h2", "vm1"), CancellationToken.None),
            scheduler.StartAsync(FleetRig.Request("b", "h1", "h2", "vm1"), CancellationToken.None));

        Assert.Single(results, r => r.Started);
        Assert.Contains("vm1", (await scheduler.GetBusyVmIdsAsync(CancellationToken.None)));
        var refused = results.Single(r => !r.Started);
        Assert.False(string.IsNullOrEmpty(refused.RefusalReason));
        var third = await scheduler.StartAsync(FleetRig.Request("c", "h1", "h2", "vm1"), CancellationToken.None);
        Assert.False(third.Started);
        await FleetRig.WaitAsync(host.Client, "migrate-vm-vm1", TimeSpan.FromSeconds(60));
        var snapshot = fleet.Model.Snapshot();
        Assert.Single(snapshot.Migrations);
        Assert.Equal("h2", snapshot.RunningOn("vm1"));
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_group_moves_together_and_a_second_request_for_a_member_is_refused()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(TwoHosts,
            [new SimVmSpec("a1", "h1", 2, 2048, 50, GroupId: "app"), new SimVmSpec("a2", "h1", 2, 1024, 50, GroupId: "app")]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var request = new MigrationRequest("g1", "h1", "h2", ["a1", "a2"], "app", "test", DateTimeOffset.UnixEpoch);

        Assert.True((await scheduler.StartAsync(request, CancellationToken.None)).Started);
        Assert.False((await scheduler.StartAsync(FleetRig.Request("solo", "h1", "h2", "a2"), CancellationToken.None)).Started);
        var state = await FleetRig.WaitAsync(host.Client, "migrate-group-app", TimeSpan.FromSeconds(60));

        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.Equal(MigrationResult.Completed, outcome.Result);
        Assert.Equal(["a1", "a2"], outcome.Vms.Select(v => v.VmId));
        var snapshot = fleet.Model.Snapshot();
        Assert.Equal("h2", snapshot.RunningOn("a1"));
        Assert.Equal("h2", snapshot.RunningOn("a2"));
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Invalid_requests_are_refused_and_change_nothing()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(TwoHosts, [new SimVmSpec("vm1", "h1", 2, 2048, 50)]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();

        Assert.False((await scheduler.StartAsync(FleetRig.Request("x", "h1", "h1", "vm1"), CancellationToken.None)).Started);
        Assert.False((await scheduler.StartAsync(FleetRig.Request("x", "h1", "h2"), CancellationToken.None)).Started);
        Assert.False((await scheduler.StartAsync(FleetRig.Request("bad/id", "h1", "h2", "vm1"), CancellationToken.None)).Started);
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        Assert.Empty(fleet.Model.Snapshot().Migrations);
    }
}
