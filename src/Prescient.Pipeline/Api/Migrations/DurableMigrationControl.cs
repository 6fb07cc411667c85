using Microsoft.DurableTask.Client;
using Prescient.Pipeline.Migration;

namespace Prescient.Pipeline.Api.Migrations;

/// <summary>
/// Cancel and purge through the durable client. Only an orchestration that has not started running (durable status
/// Pending: nothing was prepared, no lease taken) is cancelled, by terminating it; a running migration is left to its
/// own abort path, which keeps the VM on exactly one host. Purge deletes finished orchestration histories.
/// </summary>
public sealed class DurableMigrationControl(IMigrationRecordStore records, Func<DurableTaskClient> client) : IMigrationControl
{
    private static readonly OrchestrationRuntimeStatus[] Finished =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    public async Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken)
    {
        var record = await records.GetAsync(migrationId, cancellationToken);
        var instanceId = record?.InstanceId ?? migrationId;
        var durable = client();
        var instance = await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null)
        {
            return record is null ? CancelOutcome.NotFound : CancelOutcome.NotPending;
        }

        if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Pending)
        {
            return CancelOutcome.NotPending;
        }

        await durable.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = $"cancelled by {actor}: {reason}" }, cancellationToken);
        return CancelOutcome.Cancelled;
    }

    public async Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        var result = await client().PurgeAllInstancesAsync(new PurgeInstancesFilter(null, completedBefore, Finished), cancellationToken);
        return result.PurgedInstanceCount;
    }
}
