using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Prescient.Core.Migration;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Migration.Tests;

public sealed class EvacuationTests
{
    private static MigrationRequest Move(string id, string source, string destination, string? group, params string[] vmIds) =>
        new(id, source, destination, vmIds, group, "evacuate", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task An_evacuation_runs_its_planned_moves_in_one_workflow_each_with_its_record_and_leases_then_powers_the_host_down()
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
        var request = new EvacuationRequest("ev1", "h1", "predicted idle",
            [Move("ev1.app", "h1", "h2", "app", "a1", "a2"), Move("ev1.b", "h1", "h3", null, "b"), Move("ev1.c", "h1", "h2", null, "c")], DateTimeOffset.UnixEpoch);

        Assert.True((await scheduler.StartEvacuationAsync(request, CancellationToken.None)).Started);
        Assert.False((await scheduler.StartEvacuationAsync(request with { EvacuationId = "ev2" }, CancellationToken.None)).Started);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForEvacuation("h1"), TimeSpan.FromSeconds(60));

        var outcome = state.ReadOutputAs<EvacuationOutcome>()!;
        Assert.True(outcome.PoweredDown, outcome.Reason);
        Assert.Equal(3, outcome.Migrations.Count);
        Assert.All(outcome.Migrations, m => Assert.Equal(MigrationResult.Completed, m.Result));
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal(PowerState.Reduced, snapshot.Hosts.Single(h => h.HostId == "h1").PowerState);
        Assert.Empty(snapshot.Hosts.Single(h => h.HostId == "h1").Instances);
        Assert.Equal(("h2", "h2", "h3", "h2"), (snapshot.RunningOn("a1"), snapshot.RunningOn("a2"), snapshot.RunningOn("b"), snapshot.RunningOn("c")));

        // Each move is a migration of its own in the API's table, recorded by the evacuation's workflow.
        var records = host.Services.GetRequiredService<IMigrationRecordStore>();
        foreach (var id in new[] { "ev1.app", "ev1.b", "ev1.c" })
        {
            var record = await records.GetAsync(id);
            Assert.NotNull(record);
            Assert.Equal(MigrationResult.Completed, record.Result);
            Assert.Equal(MigrationInstanceIds.ForEvacuation("h1"), record.InstanceId);
            Assert.Contains(record.Steps, s => s.Step == "resume");
        }

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
        var request = new EvacuationRequest("ev1", "h1", "predicted idle", [Move("ev1.big", "h1", "h2", null, "big"), Move("ev1.small", "h1", "h2", null, "small")], DateTimeOffset.UnixEpoch);

        Assert.True((await scheduler.StartEvacuationAsync(request, CancellationToken.None)).Started);
        var state = await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForEvacuation("h1"), TimeSpan.FromSeconds(60));

        var outcome = state.ReadOutputAs<EvacuationOutcome>()!;
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.False(outcome.PoweredDown);
        Assert.Contains("big", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(MigrationResult.Refused, outcome.Migrations.Single(m => m.MigrationId == "ev1.big").Result);
        var snapshot = fleet.Model.Snapshot();
        Assert.Empty(snapshot.Violations());
        Assert.Equal(PowerState.On, snapshot.Hosts.Single(h => h.HostId == "h1").PowerState);
        Assert.Equal("h1", snapshot.RunningOn("big"));
        Assert.Equal("h2", snapshot.RunningOn("small"));
        Assert.Empty(await scheduler.GetBusyVmIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task With_a_concurrency_of_one_the_moves_run_one_after_another_and_a_sleeping_destination_is_woken_first()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            [new SimHostSpec("h1"), new SimHostSpec("h2", PowerState: PowerState.Reduced)],
            [new SimVmSpec("a", "h1", 1, 1024, 20), new SimVmSpec("b", "h1", 1, 1024, 20), new SimVmSpec("c", "h1", 1, 1024, 20)],
            configureServices: services => services.Configure<MigrationOptions>(o => o.EvacuationConcurrency = 1));
        await using var _ = fleet;
        await using var __ = host;
        var scheduler = host.Services.GetRequiredService<IMigrationScheduler>();
        var moves = new[] { "a", "b", "c" }.Select(vm => Move("ev1." + vm, "h1", "h2", null, vm) with { WakeDestination = true }).ToList();

        Assert.True((await scheduler.StartEvacuationAsync(new EvacuationRequest("ev1", "h1", "idle", moves, DateTimeOffset.UnixEpoch), CancellationToken.None)).Started);
        var outcome = (await FleetRig.WaitAsync(host.Client, MigrationInstanceIds.ForEvacuation("h1"), TimeSpan.FromSeconds(60))).ReadOutputAs<EvacuationOutcome>()!;

        Assert.True(outcome.PoweredDown, outcome.Reason);
        Assert.Equal(PowerState.On, fleet.Model.Snapshot().Hosts.Single(h => h.HostId == "h2").PowerState);
        var spans = outcome.Migrations.Select(m => (m.StartedAt, m.EndedAt)).OrderBy(s => s.StartedAt).ToList();
        for (var i = 1; i < spans.Count; i++)
        {
            Assert.True(spans[i].StartedAt >= spans[i - 1].EndedAt, $"move {i} started before move {i - 1} ended");
        }
    }

    [Fact]
    public async Task An_evacuation_whose_vm_is_leased_by_another_migration_is_refused_and_takes_no_lease()
    {
        var (fleet, host) = await FleetRig.StartInMemoryAsync(
            [new SimHostSpec("h1"), new SimHostSpec("h2")],
            [new SimVmSpec("a", "h1", 1, 1024, 20), new SimVmSpec("b", "h1", 1, 1024, 20)]);
        await using var _ = fleet;
        await using var __ = host;
        var leases = host.Services.GetRequiredService<IVmLeaseStore>();
        Assert.True((await leases.AcquireAllAsync(["b"], "other-migration", TimeSpan.FromHours(1))).Acquired);

        var result = await host.Services.GetRequiredService<IMigrationScheduler>().StartEvacuationAsync(
            new EvacuationRequest("ev1", "h1", "idle", [Move("ev1.a", "h1", "h2", null, "a"), Move("ev1.b", "h1", "h2", null, "b")], DateTimeOffset.UnixEpoch),
            CancellationToken.None);

        Assert.False(result.Started);
        Assert.Contains("other-migration", result.RefusalReason, StringComparison.Ordinal);
        Assert.Equal(["b"], (await leases.GetHeldAsync()).Select(l => l.VmId));
        Assert.Null(await host.Client.GetInstanceAsync(MigrationInstanceIds.ForEvacuation("h1")));
    }
}
