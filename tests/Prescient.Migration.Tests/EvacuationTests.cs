using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

public sealed class EvacuationTests
{
    [Fact]
    public async Task Evacuating_a_host_moves_every_vm_with_groups_together_then_powers_it_down()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            [new SimHostSpec("h1"), new SimHostSpec("h2"), new SimHostSpec("h3")],
            [
                new SimVmSpec("a1", "h1", 2, 2048, 20, GroupId: "app"), new SimVmSpec("a2", "h1", 2, 2048, 20, GroupId: "app"),
                new SimVmSpec("b", "h1", 1, 1024, 20), new SimVmSpec("c", "h1", 1, 1024, 20), new SimVmSpec("x", "h2", 4, 4096, 20),
            ]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();

        Assert.True((await scheduler.StartEvacuationAsync(new EvacuationRequest("ev1", "h1", "predicted idle", [], DateTimeOffset.UnixEpoch), CancellationToken.None)).Started);
        Assert.False((await scheduler.StartEvacuationAsync(new EvacuationRequest("ev2", "h1", "again", [], DateTimeOffset.UnixEpoch), CancellationToken.None)).Started);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForEvacuation("h1"), TimeSpan.FromSeconds(60));

        var outcome = state.ReadOutputAs<EvacuationOutcome>()!;
        Assert.True(outcome.PoweredDown, outcome.Reason);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal(PowerState.Reduced, snapshot.Hosts.Single(h => h.HostId == "h1").PowerState);
        Assert.Empty(snapshot.Hosts.Single(h => h.HostId == "h1").Instances);
        Assert.Equal(snapshot.RunningOn("a1"), snapshot.RunningOn("a2"));
        Assert.Equal(3, outcome.Migrations.Count);
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_host_that_cannot_be_emptied_stays_up_and_says_why()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            [new SimHostSpec("h1"), new SimHostSpec("h2", MemoryMb: 2048)],
            [new SimVmSpec("big", "h1", 2, 8192, 20), new SimVmSpec("small", "h1", 1, 512, 20)]);
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();

        Assert.True((await scheduler.StartEvacuationAsync(new EvacuationRequest("ev1", "h1", "predicted idle", [], DateTimeOffset.UnixEpoch), CancellationToken.None)).Started);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForEvacuation("h1"), TimeSpan.FromSeconds(60));

        var outcome = state.ReadOutputAs<EvacuationOutcome>()!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.False(outcome.PoweredDown);
        Assert.Contains("big", outcome.Reason, StringComparison.Ordinal);
        var snapshot = fleet.Model.Snapshot();
        Assert.Equal(PowerState.On, snapshot.Hosts.Single(h => h.HostId == "h1").PowerState);
        Assert.Equal("h1", snapshot.RunningOn("small"));
    }
}
