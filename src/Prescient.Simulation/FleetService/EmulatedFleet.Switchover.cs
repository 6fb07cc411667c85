using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>Resume (moves the disk lock), finish, abort and a migration's status on either host.</summary>
public sealed partial class EmulatedFleet
{
    public SimResult<ResumeResponse> Resume(string sourceId, string migrationId)
    {
        lock (_gate)
        {
            var (migration, failure) = FindForSource<ResumeResponse>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (migration.Phase is HostMigrationPhase.ResumeStarted or HostMigrationPhase.Finished)
            {
                // The answer is the destination's: while it is silent the source cannot confirm resume-started.
                if (!migration.ResumeAcknowledged && IsUnresponsive(_hosts[migration.DestinationId]))
                {
                    return DestinationUnresponsive<ResumeResponse>(migration);
                }

                migration.ResumeAcknowledged = true;
                return SimResult<ResumeResponse>.Ok(new ResumeResponse(migrationId, true, migration.DestinationId));
            }

            if (migration.Phase == HostMigrationPhase.Aborted)
            {
                _lockRefusals++;
                return SimResult<ResumeResponse>.Fail(409, HypervisorErrorCodes.Aborted, $"Migration {migrationId} was aborted; the VM runs on {sourceId}.");
            }

            if (migration.Phase != HostMigrationPhase.Quiesced)
            {
                return WrongPhase<ResumeResponse>(migration, "resume needs a quiesced VM");
            }

            var destination = _hosts[migration.DestinationId];
            if (IsUnresponsive(destination))
            {
                return DestinationUnresponsive<ResumeResponse>(migration);
            }

            if (destination.ArmedResumeFault is { Kind: FaultKind.UnresponsiveOnResume } before)
            {
                destination.ArmedResumeFault = null;
                destination.UnresponsiveUntil = Until(before);
                return DestinationUnresponsive<ResumeResponse>(migration);
            }

            var vm = _vms[migration.VmId];
            if (vm.DiskLockHolder != sourceId)
            {
                _lockRefusals++;
                return SimResult<ResumeResponse>.Fail(409, HypervisorErrorCodes.VmLocked, $"{vm.DiskLockHolder} holds the disk lock of {vm.Id}.");
            }

            vm.DiskLockHolder = migration.DestinationId;
            destination.Instances[vm.Id] = new Instance(VmRunState.Running, migrationId);
            migration.Phase = HostMigrationPhase.ResumeStarted;
            PlacementChanged?.Invoke(SnapshotLocked());
            if (destination.ArmedResumeFault is { Kind: FaultKind.UnresponsiveAfterResumeStarted } after)
            {
                destination.ArmedResumeFault = null;
                destination.UnresponsiveUntil = Until(after);
                return DestinationUnresponsive<ResumeResponse>(migration);
            }

            migration.ResumeAcknowledged = true;
            return SimResult<ResumeResponse>.Ok(new ResumeResponse(migrationId, true, migration.DestinationId));
        }
    }

    public SimResult<FinishResponse> Finish(string sourceId, string migrationId)
    {
        lock (_gate)
        {
            var (migration, failure) = FindForSource<FinishResponse>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (migration.Phase == HostMigrationPhase.Finished)
            {
                return SimResult<FinishResponse>.Ok(new FinishResponse(migrationId, migration.FinishedSentMb, migration.DestinationId));
            }

            if (migration.Phase != HostMigrationPhase.ResumeStarted)
            {
                return WrongPhase<FinishResponse>(migration, "finish needs resume-started");
            }

            if (IsUnresponsive(_hosts[migration.DestinationId]))
            {
                return DestinationUnresponsive<FinishResponse>(migration);
            }

            _hosts[sourceId].Instances.Remove(migration.VmId);
            _hosts[migration.DestinationId].Instances[migration.VmId] = new Instance(VmRunState.Running, null);
            migration.FinishedSentMb = migration.RemainingMb;
            migration.RemainingMb = 0;
            migration.Phase = HostMigrationPhase.Finished;
            return SimResult<FinishResponse>.Ok(new FinishResponse(migrationId, migration.FinishedSentMb, migration.DestinationId));
        }
    }

    public SimResult<AbortResponse> Abort(string sourceId, string migrationId)
    {
        lock (_gate)
        {
            if (_migrations.TryGetValue(migrationId, out var refused) && refused.SourceId == sourceId && !refused.PrepareAnswer.OkToMigrate)
            {
                return SimResult<AbortResponse>.Ok(new AbortResponse(migrationId, true, sourceId)); // Refused: nothing to undo.
            }

            var (migration, failure) = FindForSource<AbortResponse>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (migration.Phase is HostMigrationPhase.ResumeStarted or HostMigrationPhase.Finished)
            {
                return SimResult<AbortResponse>.Fail(409, HypervisorErrorCodes.ResumeStarted,
                    $"{migration.DestinationId} holds the disk lock of {migration.VmId} and has resumed it; the migration can only complete.");
            }

            if (migration.Phase == HostMigrationPhase.Aborted)
            {
                return SimResult<AbortResponse>.Ok(new AbortResponse(migrationId, true, sourceId));
            }

            // Before resume-started the source holds the disk lock: it resumes the VM itself.
            var source = _hosts[sourceId];
            source.Instances[migration.VmId] = new Instance(VmRunState.Running, null);
            var destination = _hosts[migration.DestinationId];
            if (destination.Instances.TryGetValue(migration.VmId, out var incoming) && incoming.MigrationId == migrationId)
            {
                destination.Instances.Remove(migration.VmId);
            }

            migration.Phase = HostMigrationPhase.Aborted;
            return SimResult<AbortResponse>.Ok(new AbortResponse(migrationId, true, sourceId));
        }
    }

    public SimResult<HostMigrationStatus> MigrationStatus(string hostId, string migrationId)
    {
        lock (_gate)
        {
            if (!_hosts.ContainsKey(hostId))
            {
                return UnknownHost<HostMigrationStatus>(hostId);
            }

            if (!_migrations.TryGetValue(migrationId, out var migration) || (migration.SourceId != hostId && migration.DestinationId != hostId))
            {
                return SimResult<HostMigrationStatus>.Fail(404, HypervisorErrorCodes.UnknownMigration, $"Host {hostId} knows no migration {migrationId}.");
            }

            return SimResult<HostMigrationStatus>.Ok(ToStatus(migration));
        }
    }

    private (MigrationState? Migration, SimResult<T> Failure) FindForSource<T>(string sourceId, string migrationId)
    {
        if (!_hosts.ContainsKey(sourceId))
        {
            return (null, UnknownHost<T>(sourceId));
        }

        if (!_migrations.TryGetValue(migrationId, out var migration) || migration.SourceId != sourceId)
        {
            return (null, SimResult<T>.Fail(404, HypervisorErrorCodes.UnknownMigration, $"Host {sourceId} is the source of no migration {migrationId}."));
        }

        if (!migration.PrepareAnswer.OkToMigrate)
        {
            return (null, SimResult<T>.Fail(409, HypervisorErrorCodes.WrongPhase, $"Migration {migrationId} was refused: {migration.PrepareAnswer.RefusalReason}."));
        }

        return (migration, default);
    }

    private static SimResult<T> WrongPhase<T>(MigrationState migration, string? why = null) =>
        SimResult<T>.Fail(409, migration.Phase == HostMigrationPhase.Aborted ? HypervisorErrorCodes.Aborted : HypervisorErrorCodes.WrongPhase,
            $"Migration {migration.Id} is {migration.Phase}" + (why is null ? "." : $"; {why}."));

    private static SimResult<T> DestinationUnresponsive<T>(MigrationState migration) =>
        SimResult<T>.Fail(504, HypervisorErrorCodes.DestinationUnresponsive, $"Destination {migration.DestinationId} did not answer.", retryable: true);
}
