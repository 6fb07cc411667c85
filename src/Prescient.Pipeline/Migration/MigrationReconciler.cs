using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;

namespace Prescient.Pipeline.Migration;

/// <summary>What a reconciliation found and did.</summary>
/// <param name="ActiveMigrations">Migrations an active orchestration still runs (they resume from their checkpoints).</param>
/// <param name="RecordsReconciled">Migrations recorded as running that no orchestration will finish: their outcome now says where the hosts run each VM.</param>
/// <param name="LeasesReleased">VM leases whose owner no active orchestration runs.</param>
public sealed record ReconcileResult(int ActiveMigrations, int RecordsReconciled, int LeasesReleased);

/// <summary>
/// Reconciliation at start-up, after a crash or a stop. Orchestrations in flight resume from their checkpoints on the
/// same task hub and are left alone. What no orchestration will finish is reconciled with the hosts' own status: a
/// migration recorded as running whose orchestration is gone gets its outcome from where each VM runs (each host is
/// asked), and a VM lease whose owner no active orchestration runs is released.
/// </summary>
public sealed partial class MigrationReconciler(
    IDurableClientProvider durable,
    IMigrationRecordStore records,
    IVmLeaseStore leases,
    IHypervisorClient hypervisor,
    TimeProvider clock,
    ILogger<MigrationReconciler> logger)
{
    private static readonly OrchestrationRuntimeStatus[] Active =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    public async Task<ReconcileResult> ReconcileAsync(CancellationToken cancellationToken)
    {
        var active = await ActiveMigrationIdsAsync(cancellationToken);
        var reconciled = 0;
        foreach (var record in await records.ListAsync(int.MaxValue, cancellationToken))
        {
            if (record.Result == MigrationResult.Running && !active.Contains(record.MigrationId))
            {
                var settled = await SettleAsync(record, cancellationToken);
                await records.UpsertAsync(settled, cancellationToken);
                LogRecordReconciled(logger, record.MigrationId, settled.Result, settled.Outcome);
                reconciled++;
            }
        }

        var released = 0;
        foreach (var owned in (await leases.ListAllAsync(cancellationToken)).GroupBy(l => l.Owner, StringComparer.Ordinal))
        {
            if (!active.Contains(owned.Key))
            {
                var vmIds = owned.Select(l => l.VmId).ToList();
                await leases.ReleaseAllAsync(vmIds, owned.Key, cancellationToken);
                LogLeaseReleased(logger, owned.Key, string.Join(",", vmIds));
                released += vmIds.Count;
            }
        }

        return new ReconcileResult(active.Count, reconciled, released);
    }

    /// <summary>The migration ids of every active migration or evacuation orchestration (from their inputs).</summary>
    private async Task<HashSet<string>> ActiveMigrationIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var query = new OrchestrationQuery { Statuses = Active, FetchInputsAndOutputs = true };
        await foreach (var instance in durable.Client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.Name == MigrationTaskNames.MigrateOrchestrator && instance.ReadInputAs<MigrationWorkflowInput>() is { } migration)
            {
                ids.Add(migration.Request.MigrationId);
            }
            else if (instance.Name == MigrationTaskNames.EvacuateOrchestrator && instance.ReadInputAs<EvacuationWorkflowInput>() is { } evacuation)
            {
                ids.UnionWith(evacuation.Request.Moves.Select(m => m.MigrationId));
            }
        }

        return ids;
    }

    /// <summary>Asks the source, then the destination, whether it runs each VM.</summary>
    private async Task<MigrationRecord> SettleAsync(MigrationRecord record, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<string, HostStatus?>(StringComparer.Ordinal);
        foreach (var hostId in new[] { record.SourceHostId, record.DestinationHostId })
        {
            try
            {
                statuses[hostId] = await hypervisor.GetStatusAsync(hostId, cancellationToken);
            }
            catch (HypervisorException e)
            {
                LogHostUnavailable(logger, hostId, e.Message);
                statuses[hostId] = null;
            }
        }

        var vms = record.VmIds.Select(vmId =>
        {
            var runningOn = statuses.FirstOrDefault(s => s.Value?.Vms.Any(v => v.VmId == vmId && v.State == VmRunState.Running) == true).Key;
            var result = runningOn == record.DestinationHostId ? MigrationResult.Completed
                : runningOn == record.SourceHostId ? MigrationResult.Aborted
                : MigrationResult.Failed;
            return new VmMigrationOutcome(vmId, result, runningOn, 0, runningOn is null ? "neither host reports it running" : $"runs on {runningOn}");
        }).ToList();
        var moved = vms.Count(v => v.Result == MigrationResult.Completed);
        var overall = vms.Any(v => v.Result == MigrationResult.Failed) ? MigrationResult.Failed
            : moved == vms.Count ? MigrationResult.Completed
            : moved == 0 ? MigrationResult.Aborted
            : MigrationResult.PartiallyCompleted;
        var reason = "reconciled at start: its workflow is no longer running (stopped with the run that started it); the hosts report " +
            string.Join(", ", vms.Select(v => $"{v.VmId} {v.Reason}"));
        return record with { Result = overall, Outcome = reason, EndedAt = clock.GetUtcNow(), Vms = vms };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {MigrationId} was recorded as running with no workflow left to finish it: {Result} ({Outcome})")]
    private static partial void LogRecordReconciled(ILogger logger, string migrationId, MigrationResult result, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Released the leases of {Owner} (no workflow runs it): {VmIds}")]
    private static partial void LogLeaseReleased(ILogger logger, string owner, string vmIds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation: host {HostId} did not answer ({Reason})")]
    private static partial void LogHostUnavailable(ILogger logger, string hostId, string reason);
}
