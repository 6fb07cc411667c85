using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Pipeline.Hypervisor;

namespace Prescient.Pipeline.Migration;

/// <summary>
/// The activities of the migration workflows: each small, idempotent (keyed by the migration id on the host, or by
/// owner for leases), and each lets failures throw so the orchestrator's retry policy and timeouts decide.
/// Host-agnostic: the local runtime registers them through <see cref="MigrationTasks"/>; the Functions app wraps each
/// in a one-line <c>[Function]</c> shim.
/// </summary>
public sealed partial class MigrationActivities(
    IHypervisorClient hypervisor,
    IVmLeaseStore leases,
    IMigrationRecordStore records,
    ILogger<MigrationActivities> logger,
    IHostPowerStateRecorder? powerStates = null,
    TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public Task<LeaseAcquisition> AcquireLeasesAsync(LeaseInput input) =>
        leases.AcquireAllAsync(input.VmIds, input.Owner, input.HoldFor);

    public async Task<bool> ReleaseLeasesAsync(LeaseInput input)
    {
        await leases.ReleaseAllAsync(input.VmIds, input.Owner);
        return true;
    }

    /// <summary>
    /// Writes the migration's row. Its start and end are stamped on the pipeline's clock (the timeline the API and the
    /// decisions use; the local host's is simulated), the start kept from the first write; the steps keep the
    /// workflow's own times (real durations).
    /// </summary>
    public async Task<bool> RecordMigrationAsync(MigrationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var now = _clock.GetUtcNow();
        var existing = await records.GetAsync(record.MigrationId);
        var startedAt = existing?.StartedAt ?? now;
        DateTimeOffset? endedAt = record.EndedAt is null ? null : existing?.EndedAt ?? now;
        await records.UpsertAsync(record with { StartedAt = startedAt, EndedAt = endedAt });
        return true;
    }

    public Task<HostStatus> GetHostStatusAsync(HostInput input) => hypervisor.GetStatusAsync(input.HostId);

    /// <summary>
    /// Wakes or powers down a host (idempotent on the host: waking a running host changes nothing), then records the
    /// power state it answered so the evaluator sees it (a woken host is no longer offered as one to wake).
    /// </summary>
    public async Task<PowerResponse> SetHostPowerAsync(PowerInput input)
    {
        var answer = await hypervisor.SetPowerAsync(input.HostId, input.Action);
        LogPower(logger, input.HostId, input.Action, answer.PowerState);
        if (powerStates is not null)
        {
            await powerStates.RecordAsync(input.HostId, answer.PowerState, CancellationToken.None);
        }

        return answer;
    }

    public async Task<PrepareResponse> PrepareAsync(VmStepInput input)
    {
        var answer = await hypervisor.PrepareAsync(input.DestinationHostId, input.HypervisorMigrationId,
            new PrepareRequest(input.VmId, input.SourceHostId, input.MemoryMb, input.Cpu));
        LogPrepared(logger, input.HypervisorMigrationId, input.DestinationHostId, answer.OkToMigrate, answer.RefusalReason);
        return answer;
    }

    public Task<PrecopyRoundStatus> StartRoundAsync(VmStepInput input) =>
        hypervisor.StartRoundAsync(input.SourceHostId, input.HypervisorMigrationId, input.Round, new PrecopyRoundRequest(input.VmId, input.DestinationHostId));

    public Task<PrecopyRoundStatus> GetRoundAsync(VmStepInput input) =>
        hypervisor.GetRoundAsync(input.SourceHostId, input.HypervisorMigrationId, input.Round);

    public Task<QuiesceResponse> QuiesceAsync(VmStepInput input) =>
        hypervisor.QuiesceAsync(input.SourceHostId, input.HypervisorMigrationId, new QuiesceRequest(input.StopAndCopy));

    public Task<ResumeResponse> ResumeAsync(VmStepInput input) => hypervisor.ResumeAsync(input.SourceHostId, input.HypervisorMigrationId);

    public Task<FinishResponse> FinishAsync(VmStepInput input) => hypervisor.FinishAsync(input.SourceHostId, input.HypervisorMigrationId);

    /// <summary>
    /// Aborts on the source. Two answers are not failures: the host does not know the migration (it never heard of it,
    /// or its migration service restarted: the hosts are asked where the VM runs, and the workflow commits if the
    /// destination runs it), and resume-started (the destination owns the VM: the workflow must commit).
    /// </summary>
    public async Task<AbortResponse> AbortAsync(VmStepInput input)
    {
        try
        {
            var answer = await hypervisor.AbortAsync(input.SourceHostId, input.HypervisorMigrationId);
            LogAborted(logger, input.HypervisorMigrationId, answer.RunningOnHostId);
            return answer;
        }
        catch (HypervisorRejectedException e) when (e.Code == HypervisorErrorCodes.UnknownMigration)
        {
            // The source never heard of it, or forgot it (its migration service restarted): ask the hosts where the VM runs.
            var runningOn = await WhereRunsAsync(input);
            LogAbortReconciled(logger, input.HypervisorMigrationId, runningOn);
            return new AbortResponse(input.HypervisorMigrationId, runningOn != input.DestinationHostId, runningOn);
        }
        catch (HypervisorRejectedException e) when (e.Code == HypervisorErrorCodes.ResumeStarted)
        {
            LogAbortRefused(logger, input.HypervisorMigrationId, input.DestinationHostId);
            return new AbortResponse(input.HypervisorMigrationId, false, input.DestinationHostId);
        }
    }

    /// <summary>The host that runs the VM: the source if it does, else the destination if it does; neither is a failure.</summary>
    private async Task<string> WhereRunsAsync(VmStepInput input)
    {
        foreach (var hostId in new[] { input.SourceHostId, input.DestinationHostId })
        {
            var status = await hypervisor.GetStatusAsync(hostId);
            if (status.Vms.Any(v => v.VmId == input.VmId && v.State == VmRunState.Running))
            {
                return hostId;
            }
        }

        throw new HypervisorRejectedException(input.SourceHostId, 404, HypervisorErrorCodes.UnknownMigration,
            $"{input.HypervisorMigrationId}: neither {input.SourceHostId} nor {input.DestinationHostId} knows the migration or runs {input.VmId}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Power {Action} on {HostId}: now {PowerState}")]
    private static partial void LogPower(ILogger logger, string hostId, PowerAction action, PowerState powerState);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepare {MigrationId} on {Destination}: ok={Ok} {Refusal}")]
    private static partial void LogPrepared(ILogger logger, string migrationId, string destination, bool ok, string? refusal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {MigrationId}; VM runs on {Host}")]
    private static partial void LogAborted(ILogger logger, string migrationId, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abort of {MigrationId} refused: {Destination} has resumed the VM")]
    private static partial void LogAbortRefused(ILogger logger, string migrationId, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abort of {MigrationId}: the source does not know the migration (a host restarted); asked the hosts: the VM runs on {Host}")]
    private static partial void LogAbortReconciled(ILogger logger, string migrationId, string host);
}
