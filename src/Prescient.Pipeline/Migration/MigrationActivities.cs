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
    IHostPowerStateRecorder? powerStates = null)
{
    public Task<LeaseAcquisition> AcquireLeasesAsync(LeaseInput input) =>
        leases.AcquireAllAsync(input.VmIds, input.Owner, input.HoldFor);

    public async Task<bool> ReleaseLeasesAsync(LeaseInput input)
    {
        await leases.ReleaseAllAsync(input.VmIds, input.Owner);
        return true;
    }

    public async Task<bool> RecordMigrationAsync(MigrationRecord record)
    {
        await records.UpsertAsync(record);
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
    /// Aborts on the source. Two answers are not failures: the host never heard of the migration (nothing to undo;
    /// the VM runs on the source), and resume-started (the destination owns the VM: the workflow must commit).
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
            return new AbortResponse(input.HypervisorMigrationId, true, input.SourceHostId);
        }
        catch (HypervisorRejectedException e) when (e.Code == HypervisorErrorCodes.ResumeStarted)
        {
            LogAbortRefused(logger, input.HypervisorMigrationId, input.DestinationHostId);
            return new AbortResponse(input.HypervisorMigrationId, false, input.DestinationHostId);
        }
    }

    public async Task<EvacuationPlan> PlanEvacuationAsync(EvacuationPlanInput input)
    {
        var source = await hypervisor.GetStatusAsync(input.HostId);
        var candidates = new List<HostStatus>();
        foreach (var hostId in input.CandidateHostIds.Where(h => h != input.HostId))
        {
            try
            {
                candidates.Add(await hypervisor.GetStatusAsync(hostId));
            }
            catch (HypervisorException e)
            {
                LogCandidateSkipped(logger, hostId, e.Message);
            }
        }

        return EvacuationPlanner.Plan(source, candidates, input.LoadCeiling);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Power {Action} on {HostId}: now {PowerState}")]
    private static partial void LogPower(ILogger logger, string hostId, PowerAction action, PowerState powerState);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepare {MigrationId} on {Destination}: ok={Ok} {Refusal}")]
    private static partial void LogPrepared(ILogger logger, string migrationId, string destination, bool ok, string? refusal);

    [LoggerMessage(Level = LogLevel.Information, Message = "Aborted {MigrationId}; VM runs on {Host}")]
    private static partial void LogAborted(ILogger logger, string migrationId, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abort of {MigrationId} refused: {Destination} has resumed the VM")]
    private static partial void LogAbortRefused(ILogger logger, string migrationId, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evacuation candidate {HostId} skipped: {Reason}")]
    private static partial void LogCandidateSkipped(ILogger logger, string hostId, string reason);
}
