using Microsoft.DurableTask.Client;
using Prescient.Pipeline.Migration;

namespace Prescient.Pipeline.Api.Migrations;

/// <summary>
/// Cancel and purge through the durable client. A pending orchestration (nothing prepared, no lease taken) is
/// terminated. A running migration that has not reached resume-started (its custom status phase is one of
/// <see cref="MigrationProgress.CancellablePhases"/>) gets the <see cref="CancelMigration"/> event and takes its own
/// abort path, which keeps the VM on exactly one host (the source) and releases the lease; one at or past
/// resume-started, an evacuation, or a finished one is not cancellable. Purge deletes finished orchestration histories.
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
        var instance = await durable.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return record is null ? CancelOutcome.NotFound : CancelOutcome.NotCancellable;
        }

        // A VM's instance id is reused by its next migration: cancel only the run that is this migration.
        if (record is not null && record.Result != MigrationResult.Running)
        {
            return CancelOutcome.NotCancellable;
        }

        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Pending)
        {
            await durable.TerminateInstanceAsync(instanceId, new TerminateInstanceOptions { Output = new CancelMigration(reason, actor).Describe() }, cancellationToken);
            return CancelOutcome.Cancelled;
        }

        if (instance.RuntimeStatus != OrchestrationRuntimeStatus.Running ||
            !string.Equals(instance.Name, MigrationTaskNames.MigrateOrchestrator, StringComparison.Ordinal) ||
            !IsBeforeResumeStarted(instance))
        {
            return CancelOutcome.NotCancellable;
        }

        await durable.RaiseEventAsync(instanceId, CancelMigration.EventName, new CancelMigration(reason, actor), cancellationToken);
        return CancelOutcome.CancelRequested;
    }

    public async Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        // An explicit lower bound: the local runtime's gRPC sidecar fails (NullReferenceException) on a filter without one.
        var result = await client().PurgeAllInstancesAsync(new PurgeInstancesFilter(DateTimeOffset.UnixEpoch, completedBefore, Finished), cancellationToken);
        return result.PurgedInstanceCount;
    }

    /// <summary>No custom status yet: the workflow has not left its first bookkeeping step (before the lease).</summary>
    private static bool IsBeforeResumeStarted(OrchestrationMetadata instance) =>
        instance.SerializedCustomStatus is null || instance.ReadCustomStatusAs<MigrationProgress>() is not { } progress || progress.IsCancellable;
}
