using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Qemu;

/// <summary>The source's side from the switch-over on: resume on the destination, finish (quit the source's QEMU), abort.</summary>
public sealed partial class QemuHost
{
    public async Task<HypervisorResult<ResumeResponse>> ResumeAsync(string migrationId, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { } migration)
        {
            return HypervisorResult<ResumeResponse>.UnknownMigration($"{HostId} is the source of no migration {migrationId}.");
        }

        await migration.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (migration.ResumeAnswer is { } answered)
            {
                return answered;
            }

            if (migration.Phase != OutgoingPhase.Quiesced)
            {
                return migration.Phase == OutgoingPhase.Aborted
                    ? HypervisorResult<ResumeResponse>.Aborted($"Migration {migrationId} was aborted; the VM runs on {HostId}.")
                    : HypervisorResult<ResumeResponse>.WrongPhase($"Migration {migrationId} is not quiesced.");
            }

            var hashes = _options.VerifyMemoryBeforeResume ? Convert.ToBase64String(await PageHashesAsync(migration.Vm, migrationId, "source")) : null;
            var answer = await _peers.ResumeIncomingAsync(migration.DestinationHostId, migrationId, new ResumeIncomingRequest(hashes),
                hashes is null ? PeerClient.DefaultTimeout : StepTimeout, CancellationToken.None);
            if (!answer.IsOk)
            {
                return answer.Error!.Code == PeerClient.Unreachable
                    ? HypervisorResult<ResumeResponse>.DestinationUnresponsive($"{migration.DestinationHostId} did not answer resume: {answer.Error.Message}")
                    : answer.As<ResumeResponse>();
            }

            migration.Phase = OutgoingPhase.ResumeStarted;
            migration.DestinationResumedAt = answer.Value!.ResumedAt;
            migration.ResumeAnswer = new ResumeResponse(migrationId, true, migration.DestinationHostId);
            return migration.ResumeAnswer;
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    public async Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { } migration)
        {
            return HypervisorResult<FinishResponse>.UnknownMigration($"{HostId} is the source of no migration {migrationId}.");
        }

        await migration.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (migration.FinishAnswer is { } answered)
            {
                return answered;
            }

            if (migration.Phase != OutgoingPhase.ResumeStarted)
            {
                return HypervisorResult<FinishResponse>.WrongPhase($"Migration {migrationId} has not been resumed on {migration.DestinationHostId}.");
            }

            // Pre-copy sent every page before the switch-over: nothing is left; the source's copy goes.
            migration.Detach();
            await migration.Vm.QuitAsync(TimeSpan.FromSeconds(10));
            Disown(migration.Vm);
            lock (_gate)
            {
                _busy.Remove(migration.VmId);
            }

            ForgetDefinition(migration.VmId);
            migration.Phase = OutgoingPhase.Finished;
            migration.FinishAnswer = new FinishResponse(migrationId, 0, migration.DestinationHostId);
            return migration.FinishAnswer;
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    public async Task<HypervisorResult<AbortResponse>> AbortAsync(string migrationId, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { } migration)
        {
            return HypervisorResult<AbortResponse>.UnknownMigration($"{HostId} is the source of no migration {migrationId}.");
        }

        await migration.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (migration.AbortAnswer is { } answered)
            {
                return answered;
            }

            if (migration.Phase is OutgoingPhase.ResumeStarted or OutgoingPhase.Finished)
            {
                return HypervisorResult<AbortResponse>.ResumeStarted($"{migration.DestinationHostId} has resumed {migration.VmId}: the migration can only complete.");
            }

            using var limit = new CancellationTokenSource(StepTimeout);
            if (migration.Phase == OutgoingPhase.Precopy && !migration.Ended.IsCompleted)
            {
                await migration.Vm.ExecuteAsync("migrate_cancel", null, limit.Token);
                await migration.Ended.WaitAsync(limit.Token);
            }

            if (migration.Phase == OutgoingPhase.Quiesced || migration.Ended is { IsCompletedSuccessfully: true, Result.Status: "completed" })
            {
                // The destination holds a complete copy: it must drop it before the source continues.
                var dropped = await _peers.DropIncomingAsync(migration.DestinationHostId, migrationId, limit.Token);
                if (dropped.Error?.Code == HypervisorErrorCodes.ResumeStarted)
                {
                    migration.Phase = OutgoingPhase.ResumeStarted;
                    return dropped.As<AbortResponse>();
                }

                if (!dropped.IsOk && (migration.Vm.Definition.Disks ?? []).Count == 0)
                {
                    // No disk lock can settle who runs it: only the destination can say whether it started the VM.
                    return HypervisorResult<AbortResponse>.DestinationUnresponsive($"{migration.DestinationHostId} did not answer; without a disk lock the source cannot know whether it resumed {migration.VmId}.");
                }
            }
            else
            {
                await _peers.DropIncomingAsync(migration.DestinationHostId, migrationId, limit.Token); // Best effort: it also drops itself.
            }

            if (await migration.Vm.RunStateAsync(limit.Token) != "running")
            {
                try
                {
                    await migration.Vm.ExecuteAsync("cont", null, limit.Token);
                }
                catch (QmpException e) when (e.Description.Contains("lock", StringComparison.OrdinalIgnoreCase))
                {
                    // The destination took the disks' write lock: it resumed the VM (the atomic lock of the patent).
                    migration.Phase = OutgoingPhase.ResumeStarted;
                    return HypervisorResult<AbortResponse>.ResumeStarted($"{migration.DestinationHostId} holds the disk lock of {migration.VmId}: it resumed the VM.");
                }
            }

            migration.Detach();
            lock (_gate)
            {
                _busy.Remove(migration.VmId);
            }

            migration.Phase = OutgoingPhase.Aborted;
            migration.AbortAnswer = new AbortResponse(migrationId, true, HostId);
            LogAborted(_log, migrationId, migration.VmId, migration.QemuStatus);
            return migration.AbortAnswer;
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} of {VmId} aborted (QEMU status {Status}); the VM runs here")]
    private static partial void LogAborted(ILogger logger, string migrationId, string vmId, string status);
}
