using Prescient.Core.Migration;

namespace Prescient.Simulation.FleetService;

/// <summary>The answer of one model operation: a value, or an HTTP status with the contract's error body.</summary>
public readonly record struct SimResult<T>(T? Value, int Status, HypervisorError? Error)
{
    public static SimResult<T> Ok(T value) => new(value, 200, null);

    public static SimResult<T> Fail(int status, string code, string message, bool retryable = false) =>
        new(default, status, new HypervisorError(code, message, retryable));
}

/// <summary>A snapshot of the whole fleet for the admin API and invariant checks.</summary>
public sealed record FleetSnapshot(
    IReadOnlyList<HostSnapshot> Hosts,
    IReadOnlyList<VmSnapshot> Vms,
    IReadOnlyList<HostMigrationStatus> Migrations,
    int LockRefusals)
{
    /// <summary>
    /// The atomic-lock invariants: a VM executes on at most one host; a VM with no migration in flight executes on
    /// exactly one host (never lost); the host executing a VM holds its disk lock. Returns every violation found.
    /// </summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();
        var inFlight = Migrations
            .Where(m => m.Phase is not (HostMigrationPhase.Finished or HostMigrationPhase.Aborted))
            .Select(m => m.VmId)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var vm in Vms)
        {
            var running = Hosts.Where(h => h.Instances.Any(i => i.VmId == vm.VmId && i.State == VmRunState.Running)).Select(h => h.HostId).ToList();
            if (running.Count > 1)
            {
                violations.Add($"{vm.VmId} runs on {running.Count} hosts: {string.Join(", ", running)}");
            }
            else if (running.Count == 0 && !inFlight.Contains(vm.VmId))
            {
                violations.Add($"{vm.VmId} runs nowhere and no migration is in flight (lost)");
            }
            else if (running.Count == 1 && running[0] != vm.DiskLockHolder)
            {
                violations.Add($"{vm.VmId} runs on {running[0]} but {vm.DiskLockHolder} holds its disk lock");
            }
        }

        return violations;
    }

    /// <summary>The host executing the VM, or null.</summary>
    public string? RunningOn(string vmId) =>
        Hosts.FirstOrDefault(h => h.Instances.Any(i => i.VmId == vmId && i.State == VmRunState.Running))?.HostId;
}

public sealed record HostSnapshot(string HostId, PowerState PowerState, IReadOnlyList<InstanceSnapshot> Instances);

public sealed record InstanceSnapshot(string VmId, VmRunState State, string? MigrationId);

public sealed record VmSnapshot(string VmId, string? GroupId, double MemoryMb, double DirtyRateMBps, string DiskLockHolder);

/// <summary>
/// The simulated fleet: hosts, VMs and migrations as the hypervisor contract sees them. Thread-safe (one lock).
/// Migrations progress by simulated time: a pre-copy round sends its data at the bandwidth the source and
/// destination share with the source's other running rounds, while the VM dirties pages at its dirty rate.
/// The atomic lock: each VM has one disk lock; only its holder may execute it; resume moves the lock to the
/// destination (resume-started) and from then on the source can no longer abort.
/// </summary>
public sealed class EmulatedFleet
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _simClock;
    private readonly TimeProvider _wallClock;
    private readonly FleetServiceOptions _options;
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VmState> _vms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MigrationState> _migrations = new(StringComparer.Ordinal);
    private int _lockRefusals;

    public EmulatedFleet(FleetServiceOptions options, TimeProvider simClock, TimeProvider wallClock)
    {
        _options = options;
        _simClock = simClock;
        _wallClock = wallClock;
    }

    public double Acceleration => _options.Acceleration;

    /// <summary>
    /// Called inside the fleet's lock, in order, each time a VM changes host (resume-started moves its disk lock) or a
    /// host's power state changes: what a host keeps on disk, for a caller that persists the fleet across restarts.
    /// </summary>
    public Action<FleetSnapshot>? PlacementChanged { get; set; }

    public void AddHost(SimHostSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            if (!_hosts.TryAdd(spec.HostId, new HostState(spec)))
            {
                throw new ArgumentException($"Host {spec.HostId} already exists.", nameof(spec));
            }
        }
    }

    public void AddVm(SimVmSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            if (!_hosts.TryGetValue(spec.HostId, out var host))
            {
                throw new ArgumentException($"Host {spec.HostId} does not exist.", nameof(spec));
            }

            if (_vms.ContainsKey(spec.VmId))
            {
                throw new ArgumentException($"VM {spec.VmId} already exists.", nameof(spec));
            }

            _vms[spec.VmId] = new VmState(spec) { DiskLockHolder = spec.HostId };
            host.Instances[spec.VmId] = new Instance(VmRunState.Running, null);
        }
    }

    public bool UpdateVm(string vmId, VmUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            if (!_vms.TryGetValue(vmId, out var vm))
            {
                return false;
            }

            if (update.DirtyRateMBps is { } rate)
            {
                vm.DirtyRateMBps = rate;
            }

            if (update.Cpu is { } cpu)
            {
                vm.Cpu = cpu;
            }

            return true;
        }
    }

    public bool InjectFault(FaultSpec fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            if (!_hosts.TryGetValue(fault.HostId, out var host))
            {
                return false;
            }

            var until = fault.DurationSeconds is { } seconds ? _wallClock.GetUtcNow().AddSeconds(seconds) : DateTimeOffset.MaxValue;
            switch (fault.Kind)
            {
                case FaultKind.Unresponsive:
                    host.UnresponsiveUntil = until;
                    break;
                case FaultKind.UnresponsiveOnResume:
                case FaultKind.UnresponsiveAfterResumeStarted:
                    host.ArmedResumeFault = fault;
                    break;
                case FaultKind.RefusePrepare:
                    host.RefuseReason = fault.Reason ?? "refused by fault injection";
                    break;
                case FaultKind.Slow:
                    host.SlowMs = fault.DelayMs;
                    break;
                case FaultKind.Errors:
                    host.ErrorsLeft = fault.Count;
                    break;
            }

            return true;
        }
    }

    public bool ClearFaults(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return false;
            }

            host.UnresponsiveUntil = null;
            host.ArmedResumeFault = null;
            host.RefuseReason = null;
            host.SlowMs = 0;
            host.ErrorsLeft = 0;
            return true;
        }
    }

    public bool HasHost(string hostId)
    {
        lock (_gate)
        {
            return _hosts.ContainsKey(hostId);
        }
    }

    /// <summary>What happens to a call addressed to the host before it reaches the handler.</summary>
    public (bool Exists, bool Unresponsive, int DelayMs, bool Error) Admit(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return (false, false, 0, false);
            }

            if (IsUnresponsive(host))
            {
                return (true, true, host.SlowMs, false);
            }

            var error = false;
            if (host.ErrorsLeft > 0)
            {
                host.ErrorsLeft--;
                error = true;
            }

            return (true, false, host.SlowMs, error);
        }
    }

    public SimResult<HostStatus> Status(string hostId)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return UnknownHost<HostStatus>(hostId);
            }

            var vms = host.Instances
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p =>
                {
                    var vm = _vms[p.Key];
                    return new VmStatus(vm.Id, vm.GroupId, vm.Cpu, vm.MemoryMb, vm.DirtyRateMBps, p.Value.State);
                })
                .ToList();
            var active = ActiveMigrationsOn(hostId);
            var used = host.Instances.Where(p => p.Value.State == VmRunState.Running).Sum(p => _vms[p.Key].Cpu) + (active * _options.MigrationCpuCost);
            var load = host.Power == PowerState.On ? Math.Clamp(used / host.Spec.CpuCapacity, 0, 1) : 0;
            return SimResult<HostStatus>.Ok(new HostStatus(
                hostId, host.Spec.CpuCapacity, host.Spec.MemoryMb, host.Spec.BandwidthMBps, load, host.Power, vms, active, _simClock.GetUtcNow()));
        }
    }

    public SimResult<PowerResponse> Power(string hostId, PowerAction action)
    {
        lock (_gate)
        {
            if (!_hosts.TryGetValue(hostId, out var host))
            {
                return UnknownHost<PowerResponse>(hostId);
            }

            if (action == PowerAction.Reduce)
            {
                if (host.Power != PowerState.Reduced && host.Instances.Count > 0)
                {
                    return SimResult<PowerResponse>.Fail(409, HypervisorErrorCodes.HostNotEmpty,
                        $"Host {hostId} still holds {host.Instances.Count} VM(s): {string.Join(", ", host.Instances.Keys.Order(StringComparer.Ordinal))}.");
                }

                host.Power = PowerState.Reduced;
            }
            else
            {
                host.Power = PowerState.On;
            }

            PlacementChanged?.Invoke(SnapshotLocked());
            return SimResult<PowerResponse>.Ok(new PowerResponse(hostId, host.Power));
        }
    }

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

    public FleetSnapshot Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    private FleetSnapshot SnapshotLocked() => new(
        _hosts.Values.OrderBy(h => h.Spec.HostId, StringComparer.Ordinal)
            .Select(h => new HostSnapshot(h.Spec.HostId, h.Power,
                h.Instances.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new InstanceSnapshot(p.Key, p.Value.State, p.Value.MigrationId)).ToList()))
            .ToList(),
        _vms.Values.OrderBy(v => v.Id, StringComparer.Ordinal).Select(v => new VmSnapshot(v.Id, v.GroupId, v.MemoryMb, v.DirtyRateMBps, v.DiskLockHolder)).ToList(),
        _migrations.Values.Select(ToStatus).ToList(),
        _lockRefusals);

    private static HostMigrationStatus ToStatus(MigrationState m) => new(m.Id, m.VmId, m.SourceId, m.DestinationId, m.Phase, m.Rounds.Count);

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

    private int ActiveMigrationsOn(string hostId) =>
        _migrations.Values.Count(m => m.IsActive && (m.SourceId == hostId || m.DestinationId == hostId));

    private bool IsUnresponsive(HostState host) => host.UnresponsiveUntil is { } until && _wallClock.GetUtcNow() < until;

    private DateTimeOffset Until(FaultSpec fault) =>
        fault.DurationSeconds is { } seconds ? _wallClock.GetUtcNow().AddSeconds(seconds) : DateTimeOffset.MaxValue;

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

    private static SimResult<T> UnknownHost<T>(string hostId) =>
        SimResult<T>.Fail(404, HypervisorErrorCodes.UnknownHost, $"Host {hostId} does not exist.");

    private static SimResult<T> WrongPhase<T>(MigrationState migration, string? why = null) =>
        SimResult<T>.Fail(409, migration.Phase == HostMigrationPhase.Aborted ? HypervisorErrorCodes.Aborted : HypervisorErrorCodes.WrongPhase,
            $"Migration {migration.Id} is {migration.Phase}" + (why is null ? "." : $"; {why}."));

    private static SimResult<T> DestinationUnresponsive<T>(MigrationState migration) =>
        SimResult<T>.Fail(504, HypervisorErrorCodes.DestinationUnresponsive, $"Destination {migration.DestinationId} did not answer.", retryable: true);

    private sealed class HostState(SimHostSpec spec)
    {
        public SimHostSpec Spec { get; } = spec;

        public PowerState Power { get; set; } = spec.PowerState;

        public Dictionary<string, Instance> Instances { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? UnresponsiveUntil { get; set; }

        public FaultSpec? ArmedResumeFault { get; set; }

        public string? RefuseReason { get; set; }

        public int SlowMs { get; set; }

        public int ErrorsLeft { get; set; }
    }

    private sealed record Instance(VmRunState State, string? MigrationId);

    private sealed class VmState(SimVmSpec spec)
    {
        public string Id { get; } = spec.VmId;

        public string? GroupId { get; } = spec.GroupId;

        public double Cpu { get; set; } = spec.Cpu;

        public double MemoryMb { get; } = spec.MemoryMb;

        public double DirtyRateMBps { get; set; } = spec.DirtyRateMBps;

        public required string DiskLockHolder { get; set; }
    }

    private sealed record RoundRecord(int Round, DateTimeOffset StartedAt, double SentMb, double DirtiedMb, double Seconds);

    private sealed class MigrationState(string id, string vmId, string sourceId, string destinationId, PrepareResponse prepareAnswer)
    {
        public string Id { get; } = id;

        public string VmId { get; } = vmId;

        public string SourceId { get; } = sourceId;

        public string DestinationId { get; } = destinationId;

        public PrepareResponse PrepareAnswer { get; } = prepareAnswer;

        public HostMigrationPhase Phase { get; set; }

        public List<RoundRecord> Rounds { get; } = [];

        public double RemainingMb { get; set; }

        public double FinishedSentMb { get; set; }

        public QuiesceResponse? QuiesceAnswer { get; set; }

        public bool ResumeAcknowledged { get; set; }

        public bool IsActive => Phase is HostMigrationPhase.Prepared or HostMigrationPhase.Precopy or HostMigrationPhase.Quiesced or HostMigrationPhase.ResumeStarted;
    }
}
