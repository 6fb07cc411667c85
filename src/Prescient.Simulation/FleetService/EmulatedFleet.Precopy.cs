using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>The migration's source side up to the switch-over: prepare on the destination, pre-copy rounds, quiesce.</summary>
public sealed partial class EmulatedFleet
{
    public SimResult<PrepareResponse> Prepare(string destinationId, string migrationId, PrepareRequest request)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(destinationId, out var destination))
            {
                return UnknownHost<PrepareResponse>(destinationId);
            }

            if (_migrations.TryGetValue(migrationId, out var existing))
            {
                if (existing.VmId != request.VmId || existing.SourceId != request.SourceHostId || existing.DestinationId != destinationId)
                {
                    return SimResult<PrepareResponse>.Fail(409, HypervisorErrorCodes.Conflict, $"Migration {migrationId} exists with other parameters.");
                }

                return SimResult<PrepareResponse>.Ok(existing.PrepareAnswer);
            }

            if (!_vms.TryGetValue(request.VmId, out var vm))
            {
                return SimResult<PrepareResponse>.Fail(404, HypervisorErrorCodes.UnknownVm, $"VM {request.VmId} does not exist.");
            }

            if (request.SourceHostId == destinationId)
            {
                return SimResult<PrepareResponse>.Fail(400, HypervisorErrorCodes.BadRequest, "Source and destination are the same host.");
            }

            if (!_hosts.TryGetValue(request.SourceHostId, out var source) ||
                !source.Instances.TryGetValue(vm.Id, out var sourceInstance) || sourceInstance.State != VmRunState.Running)
            {
                return SimResult<PrepareResponse>.Fail(409, HypervisorErrorCodes.Conflict, $"VM {vm.Id} is not running on {request.SourceHostId}.");
            }

            var inFlight = _migrations.Values.FirstOrDefault(m => m.VmId == vm.Id && m.IsActive);
            if (inFlight is not null)
            {
                _lockRefusals++;
                return SimResult<PrepareResponse>.Fail(409, HypervisorErrorCodes.VmLocked, $"VM {vm.Id} is already being migrated by {inFlight.Id}.");
            }

            string? refusal = null;
            if (destination.Power != PowerState.On)
            {
                refusal = $"host {destinationId} is {destination.Power}";
            }
            else if (destination.RefuseReason is { } reason)
            {
                refusal = reason;
            }
            else
            {
                var used = destination.Instances.Sum(p => _vms[p.Key].MemoryMb);
                if (used + vm.MemoryMb > destination.Spec.MemoryMb)
                {
                    refusal = $"insufficient memory on {destinationId}: {destination.Spec.MemoryMb - used:0} MB free, {vm.MemoryMb:0} MB needed";
                }
            }

            var answer = new PrepareResponse(migrationId, refusal is null, refusal);
            var migration = new MigrationState(migrationId, vm.Id, request.SourceHostId, destinationId, answer)
            {
                Phase = refusal is null ? HostMigrationPhase.Prepared : HostMigrationPhase.Aborted,
            };
            _migrations[migrationId] = migration;
            if (refusal is null)
            {
                destination.Instances[vm.Id] = new Instance(VmRunState.Incoming, migrationId);
                source.Instances[vm.Id] = sourceInstance with { MigrationId = migrationId };
            }

            return SimResult<PrepareResponse>.Ok(answer);
        }
    }

    public SimResult<PrecopyRoundStatus> StartRound(string sourceId, string migrationId, int round, PrecopyRoundRequest request)
    {
        lock (_gate)
        {
            var (migration, failure) = FindForSource<PrecopyRoundStatus>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (migration.VmId != request.VmId || migration.DestinationId != request.DestinationHostId)
            {
                return SimResult<PrecopyRoundStatus>.Fail(409, HypervisorErrorCodes.Conflict, $"Migration {migrationId} is for {migration.VmId} to {migration.DestinationId}.");
            }

            if (round >= 1 && round <= migration.Rounds.Count)
            {
                return SimResult<PrecopyRoundStatus>.Ok(RoundStatus(migration, migration.Rounds[round - 1]));
            }

            if (migration.Phase is not (HostMigrationPhase.Prepared or HostMigrationPhase.Precopy))
            {
                return WrongPhase<PrecopyRoundStatus>(migration);
            }

            if (round != migration.Rounds.Count + 1)
            {
                return SimResult<PrecopyRoundStatus>.Fail(409, HypervisorErrorCodes.WrongPhase, $"The next round of {migrationId} is {migration.Rounds.Count + 1}, not {round}.");
            }

            var now = _simClock.GetUtcNow();
            if (migration.Rounds.Count > 0 && !IsComplete(migration.Rounds[^1], now))
            {
                return SimResult<PrecopyRoundStatus>.Fail(409, HypervisorErrorCodes.WrongPhase, $"Round {migration.Rounds.Count} of {migrationId} is still running.");
            }

            if (IsUnresponsive(_hosts[migration.DestinationId]))
            {
                return DestinationUnresponsive<PrecopyRoundStatus>(migration);
            }

            var vm = _vms[migration.VmId];
            var sending = migration.Rounds.Count == 0 ? vm.MemoryMb : migration.Rounds[^1].DirtiedMb;
            var sharing = 1 + _migrations.Values.Count(m => m.SourceId == sourceId && m.Id != migrationId && m.Phase == HostMigrationPhase.Precopy
                && m.Rounds.Count > 0 && !IsComplete(m.Rounds[^1], now));
            var bandwidth = Math.Min(_hosts[sourceId].Spec.BandwidthMBps, _hosts[migration.DestinationId].Spec.BandwidthMBps) / sharing;
            var seconds = sending / bandwidth;
            var dirtied = Math.Min(vm.MemoryMb, vm.DirtyRateMBps * seconds);
            var state = new RoundRecord(round, now, sending, dirtied, seconds);
            migration.Rounds.Add(state);
            migration.Phase = HostMigrationPhase.Precopy;
            return SimResult<PrecopyRoundStatus>.Ok(RoundStatus(migration, state));
        }
    }

    public SimResult<PrecopyRoundStatus> GetRound(string sourceId, string migrationId, int round)
    {
        lock (_gate)
        {
            var (migration, failure) = FindForSource<PrecopyRoundStatus>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (round < 1 || round > migration.Rounds.Count)
            {
                return SimResult<PrecopyRoundStatus>.Fail(404, HypervisorErrorCodes.UnknownMigration, $"Round {round} of {migrationId} was never started.");
            }

            var record = migration.Rounds[round - 1];
            if (!IsComplete(record, _simClock.GetUtcNow()) && migration.Phase == HostMigrationPhase.Precopy && IsUnresponsive(_hosts[migration.DestinationId]))
            {
                return DestinationUnresponsive<PrecopyRoundStatus>(migration);
            }

            return SimResult<PrecopyRoundStatus>.Ok(RoundStatus(migration, record));
        }
    }

    public SimResult<QuiesceResponse> Quiesce(string sourceId, string migrationId, QuiesceRequest request)
    {
        lock (_gate)
        {
            var (migration, failure) = FindForSource<QuiesceResponse>(sourceId, migrationId);
            if (migration is null)
            {
                return failure;
            }

            if (migration.QuiesceAnswer is { } done && migration.Phase is HostMigrationPhase.Quiesced or HostMigrationPhase.ResumeStarted or HostMigrationPhase.Finished)
            {
                return SimResult<QuiesceResponse>.Ok(done);
            }

            if (migration.Phase != HostMigrationPhase.Precopy || !IsComplete(migration.Rounds[^1], _simClock.GetUtcNow()))
            {
                return WrongPhase<QuiesceResponse>(migration, "quiesce needs a completed pre-copy round");
            }

            if (IsUnresponsive(_hosts[migration.DestinationId]))
            {
                return DestinationUnresponsive<QuiesceResponse>(migration);
            }

            var bandwidth = Math.Min(_hosts[sourceId].Spec.BandwidthMBps, _hosts[migration.DestinationId].Spec.BandwidthMBps);
            var remaining = migration.Rounds[^1].DirtiedMb;
            var sentNow = _options.NonMemoryStateMb + (request.StopAndCopy ? remaining : 0);
            migration.RemainingMb = request.StopAndCopy ? 0 : remaining;
            _hosts[sourceId].Instances[migration.VmId] = new Instance(VmRunState.Quiesced, migrationId);
            migration.Phase = HostMigrationPhase.Quiesced;
            migration.QuiesceAnswer = new QuiesceResponse(migrationId, _options.NonMemoryStateMb, migration.RemainingMb, sentNow / bandwidth / _options.Acceleration);
            return SimResult<QuiesceResponse>.Ok(migration.QuiesceAnswer);
        }
    }

    private PrecopyRoundStatus RoundStatus(MigrationState migration, RoundRecord round)
    {
        var now = _simClock.GetUtcNow();
        var complete = IsComplete(round, now);
        var remaining = complete ? 0 : (round.StartedAt.AddSeconds(round.Seconds) - now).TotalSeconds;
        return new PrecopyRoundStatus(
            migration.Id,
            round.Round,
            complete ? RoundState.Completed : RoundState.Running,
            round.SentMb,
            complete ? round.DirtiedMb : 0,
            round.Seconds / _options.Acceleration,
            remaining / _options.Acceleration);
    }

    private static bool IsComplete(RoundRecord round, DateTimeOffset now) => now >= round.StartedAt.AddSeconds(round.Seconds);
}
