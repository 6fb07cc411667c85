using Prescient.Core.Migration;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Xunit.Abstractions;

namespace Prescient.Hypervisor.Tests.RealHypervisor;

/// <summary>Real libvirt: two daemons on one machine, the domain moved by libvirt's peer-to-peer migration under the workflow.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "RealHypervisor")]
public sealed class LibvirtMigrationTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [RealLibvirtFact]
    public async Task A_domain_moves_between_two_libvirt_daemons_in_several_iterations_and_keeps_beating()
    {
        await using var rig = await LibvirtRig.StartAsync(azurite.ConnectionString, output, bandwidthMBps: 32);
        var console = await rig.BootAsync("lv1", dirtyMb: 48, pagesPerSecond: 5120);
        var before = (await rig.H1.GetStatusAsync(CancellationToken.None)).Value!;
        Assert.Equal("lv1", Assert.Single(before.Vms).VmId);

        Assert.True((await rig.Scheduler.StartAsync(QemuRigRequest("libvirt-1"), CancellationToken.None)).Started);
        var state = await WaitAsync(rig, "libvirt-1");

        var outcome = state.ReadOutputAs<MigrationOutcome>()!;
        Assert.True(outcome.Result == MigrationResult.Completed, $"{outcome.Result}: {outcome.Reason}");
        Assert.Equal("running", (await rig.V2.RunAsync("domstate", "lv1")).Output.Trim());
        Assert.False((await rig.V1.RunAsync("domstate", "lv1")).Ok, "the source's copy is undefined");
        var rounds = outcome.Steps.Count(s => s.Step.StartsWith("precopy-round-", StringComparison.Ordinal));
        Assert.True(rounds >= 2, $"{rounds} rounds");
        var quiesce = Assert.Single(outcome.Steps, s => s.Step == "quiesce");
        Assert.Contains("downtime", quiesce.Outcome, StringComparison.Ordinal);
        await QemuRig.WaitForHeartbeatAsync(console, QemuRig.LastHeartbeat(console), TimeSpan.FromMinutes(1));
        foreach (var step in outcome.Steps)
        {
            output.WriteLine($"  {step.Step,-18} {step.Seconds * 1000,6:0} ms  {step.Outcome}");
        }
    }

    [RealLibvirtFact]
    public async Task Cancelling_during_the_migration_job_aborts_it_and_the_domain_keeps_running_on_the_source()
    {
        await using var rig = await LibvirtRig.StartAsync(azurite.ConnectionString, output, bandwidthMBps: 4);
        var console = await rig.BootAsync("lv1", dirtyMb: 48, pagesPerSecond: 5120);
        Assert.True((await rig.Scheduler.StartAsync(QemuRigRequest("libvirt-cancel"), CancellationToken.None)).Started);
        var hypervisorId = MigrationWorkflow.HypervisorMigrationId("libvirt-cancel", "lv1");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await rig.H1.GetMigrationAsync(hypervisorId, CancellationToken.None)).Value is not { Rounds: >= 1 })
        {
            Assert.True(DateTime.UtcNow < deadline, "the migration job never showed an iteration");
            await Task.Delay(200);
        }

        var control = new DurableMigrationControl(rig.Records, () => rig.Runtime.Client);
        Assert.Equal(CancelOutcome.CancelRequested, await control.CancelAsync("libvirt-cancel", "test", "ops", CancellationToken.None));
        var state = await WaitAsync(rig, "libvirt-cancel");

        Assert.Equal(MigrationResult.Cancelled, state.ReadOutputAs<MigrationOutcome>()!.Result);
        Assert.Equal("running", (await rig.V1.RunAsync("domstate", "lv1")).Output.Trim());
        Assert.False((await rig.V2.RunAsync("domstate", "lv1")).Ok, "nothing is left on the destination");
        Assert.Empty(await rig.Scheduler.GetBusyVmIdsAsync(CancellationToken.None));
        await QemuRig.WaitForHeartbeatAsync(console, QemuRig.LastHeartbeat(console), TimeSpan.FromMinutes(1));
    }

    private static MigrationRequest QemuRigRequest(string id) => QemuRig.Request(id, "h1", "h2", "lv1");

    private static async Task<Microsoft.DurableTask.Client.OrchestrationMetadata> WaitAsync(LibvirtRig rig, string migrationId)
    {
        var instanceId = MigrationInstanceIds.ForRequest(QemuRigRequest(migrationId));
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var state = await rig.Runtime.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (state is { IsCompleted: true })
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId}: {state?.RuntimeStatus} {state?.SerializedCustomStatus}");
            await Task.Delay(200);
        }
    }
}
