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
