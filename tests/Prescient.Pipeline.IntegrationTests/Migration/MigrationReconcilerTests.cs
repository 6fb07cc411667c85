using Microsoft.Extensions.DependencyInjection;
using Prescient.Pipeline.Migration;
using Prescient.Simulation.FleetService;

namespace Prescient.Pipeline.IntegrationTests.Migration;

/// <summary>Reconciliation at start-up on the Azurite-backed runtime: what no workflow will finish is settled with the hosts.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MigrationReconcilerTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task Running_records_without_a_workflow_are_settled_from_the_hosts_and_their_leases_released()
    {
        // vm1 runs on h2 (it moved, but its workflow is gone), vm2 on h1 (it never left); vm3's lease belongs to no one.
        await using var fleet = await DurableRig.StartFleetAsync([new("h1"), new("h2")],
            [new SimVmSpec("vm1", "h2", 1, 1024, 10), new SimVmSpec("vm2", "h1", 1, 1024, 10), new SimVmSpec("vm3", "h1", 1, 1024, 10)], acceleration: 20);
        await using var runtime = await DurableRig.StartRuntimeAsync(fixture.ConnectionString, DurableRig.NewHubName(), fleet);
        var records = runtime.Services.GetRequiredService<IMigrationRecordStore>();
        var leases = runtime.Services.GetRequiredService<IVmLeaseStore>();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var moved = Running($"gone-moved-{suffix}", "vm1");
        var stayed = Running($"gone-stayed-{suffix}", "vm2");
        await records.UpsertAsync(moved);
        await records.UpsertAsync(stayed);
        Assert.True((await leases.AcquireAllAsync(["vm1"], moved.MigrationId, TimeSpan.FromHours(5))).Acquired);
        Assert.True((await leases.AcquireAllAsync(["vm3"], $"never-started-{suffix}", TimeSpan.FromHours(5))).Acquired);

        var result = await runtime.Services.GetRequiredService<MigrationReconciler>().ReconcileAsync(CancellationToken.None);

        Assert.True(result.RecordsReconciled >= 2);
        var settledMoved = (await records.GetAsync(moved.MigrationId))!;
        Assert.Equal(MigrationResult.Completed, settledMoved.Result);
        Assert.Contains("reconciled at start", settledMoved.Outcome, StringComparison.Ordinal);
        Assert.Equal("h2", Assert.Single(settledMoved.Vms).RunningOn);
        Assert.NotNull(settledMoved.EndedAt);
        var settledStayed = (await records.GetAsync(stayed.MigrationId))!;
        Assert.Equal(MigrationResult.Aborted, settledStayed.Result);
        Assert.Equal("h1", Assert.Single(settledStayed.Vms).RunningOn);
        var held = (await leases.GetHeldAsync()).Select(l => l.VmId).ToList();
        Assert.DoesNotContain("vm1", held);
        Assert.DoesNotContain("vm3", held);
    }

    private static MigrationRecord Running(string id, string vmId) =>
        new(id, "migrate-vm-" + vmId, "h1", "h2", [vmId], null, "test", MigrationResult.Running, "started", DateTimeOffset.UtcNow, null, [], []);
}
