using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Qemu;

/// <summary>
/// The source's side: pre-copy rounds are QEMU's passes (with pause-before-switchover); quiesce forces the switch-over
/// and continues from the pre-switchover state as soon as QEMU reports it; resume asks the destination to <c>cont</c>;
/// finish quits the source's QEMU; abort cancels, or drops the destination's copy and continues the source.
/// </summary>
public sealed partial class QemuHost
{
    // QEMU's largest downtime-limit (2000 s): at the next iteration whatever is left fits, so QEMU switches over.
    private const int SwitchOverNowMs = 2_000_000;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);

    public async Task<HypervisorResult<OutgoingGrant>> RegisterOutgoingAsync(string migrationId, OutgoingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        OutgoingMigration migration;
        lock (_gate)
        {
            if (_outgoing.TryGetValue(migrationId, out var existing))
            {
                if (existing.VmId != request.VmId || existing.DestinationHostId != request.DestinationHostId)
                {
                    return HypervisorResult<OutgoingGrant>.Conflict($"Migration {migrationId} exists with other parameters.");
                }

                migration = existing;
            }
            else
            {
                if (!_vms.TryGetValue(request.VmId, out var vm))
                {
                    return HypervisorResult<OutgoingGrant>.Conflict($"VM {request.VmId} is not running on {HostId}.");
                }

                if (_busy.TryGetValue(request.VmId, out var other))
                {
                    return HypervisorResult<OutgoingGrant>.VmLocked($"VM {request.VmId} is already being migrated by {other}.");
                }

                migration = new OutgoingMigration(migrationId, request.VmId, request.DestinationHostId, vm);
                _outgoing[migrationId] = migration;
                _busy[request.VmId] = migrationId;
            }
        }

        await Task.Yield();
        return new OutgoingGrant(migration.VmId, BackendName, JsonSerializer.SerializeToElement(migration.Vm.Definition, DefinitionJson),
            QemuVersion.ToString(), migration.Vm.Definition.MemoryMb);
    }

    public async Task<HypervisorResult<PrecopyRoundStatus>> StartRoundAsync(string migrationId, int round, PrecopyRoundRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Find(migrationId) is not { } migration)
        {
            return HypervisorResult<PrecopyRoundStatus>.UnknownMigration($"{HostId} is the source of no migration {migrationId}.");
        }

        if (migration.VmId != request.VmId || migration.DestinationHostId != request.DestinationHostId)
        {
            return HypervisorResult<PrecopyRoundStatus>.Conflict($"Migration {migrationId} is for {migration.VmId} to {migration.DestinationHostId}.");
        }

        await migration.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (migration.Phase == OutgoingPhase.Registered)
            {
                if (round != 1)
                {
                    return HypervisorResult<PrecopyRoundStatus>.WrongPhase($"The next round of {migrationId} is 1, not {round}.");
                }

                var started = await StartMigrationAsync(migration);
                if (!started.IsOk)
                {
                    return started.As<PrecopyRoundStatus>();
                }
            }
            else if (migration.Phase == OutgoingPhase.Precopy && round > 1 &&
                     (await RoundAsync(migration, round - 1)).Value is not { State: RoundState.Completed })
            {
                return HypervisorResult<PrecopyRoundStatus>.WrongPhase($"Round {round - 1} of {migrationId} is still running.");
            }

            return await RoundAsync(migration, round);
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    public async Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { Phase: not OutgoingPhase.Registered } migration)
        {
            return HypervisorResult<PrecopyRoundStatus>.UnknownMigration($"Round {round} of {migrationId} was never started.");
        }

        return await RoundAsync(migration, round);
    }

    public async Task<HypervisorResult<QuiesceResponse>> QuiesceAsync(string migrationId, QuiesceRequest request, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { } migration)
        {
            return HypervisorResult<QuiesceResponse>.UnknownMigration($"{HostId} is the source of no migration {migrationId}.");
        }

        await migration.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (migration.QuiesceAnswer is { } answered)
            {
                return answered;
            }

            if (migration.Phase != OutgoingPhase.Precopy)
            {
                return migration.Phase == OutgoingPhase.Aborted
                    ? HypervisorResult<QuiesceResponse>.Aborted($"Migration {migrationId} was aborted; the VM runs on {HostId}.")
                    : HypervisorResult<QuiesceResponse>.WrongPhase($"Migration {migrationId} has no completed round to quiesce after.");
            }

            if (migration.IsFailed)
            {
                return HypervisorResult<QuiesceResponse>.Aborted($"QEMU ended migration {migrationId}: {(await migration.Ended).Error}");
            }

            // Switch over now: QEMU stops the vCPUs at its next iteration and waits in pre-switchover, which is acted on
            // the moment its event arrives (the time spent there is downtime).
            using var limit = new CancellationTokenSource(StepTimeout);
            if (migration.QemuStatus is "active" or "setup")
            {
                await migration.Vm.ExecuteAsync("migrate-set-parameters", new Dictionary<string, object> { ["downtime-limit"] = SwitchOverNowMs }, limit.Token);
            }

            await Task.WhenAny(migration.PreSwitchover, migration.Ended).WaitAsync(limit.Token);
            if (migration.PreSwitchover.IsCompletedSuccessfully)
            {
                await migration.Vm.ExecuteAsync("migrate-continue", new { state = "pre-switchover" }, limit.Token);
            }

            var report = await migration.Ended.WaitAsync(limit.Token);
            if (report.Status != "completed")
            {
                return HypervisorResult<QuiesceResponse>.Aborted($"QEMU ended migration {migrationId} {report.Status}: {report.Error}");
            }

            migration.Phase = OutgoingPhase.Quiesced;
            migration.QuiesceAnswer = new QuiesceResponse(migrationId, (report.DowntimeBytes ?? 0) / MiB, 0, (report.DowntimeMs ?? 0) / 1000.0);
            LogQuiesced(_log, migrationId, report.DowntimeMs ?? -1, report.TotalTimeMs, report.Passes);
            return migration.QuiesceAnswer;
        }
        finally
        {
            migration.Gate.Release();
        }
    }

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

    public async Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken)
    {
        await Task.Yield();
        lock (_gate)
        {
            if (_outgoing.TryGetValue(migrationId, out var outgoing))
            {
                var phase = outgoing.Phase switch
                {
                    OutgoingPhase.Registered => HostMigrationPhase.Prepared,
                    OutgoingPhase.Precopy => HostMigrationPhase.Precopy,
                    OutgoingPhase.Quiesced => HostMigrationPhase.Quiesced,
                    OutgoingPhase.ResumeStarted => HostMigrationPhase.ResumeStarted,
                    OutgoingPhase.Finished => HostMigrationPhase.Finished,
                    _ => HostMigrationPhase.Aborted,
                };
                return new HostMigrationStatus(migrationId, outgoing.VmId, HostId, outgoing.DestinationHostId, phase, outgoing.Passes);
            }

            if (_incoming.TryGetValue(migrationId, out var incoming))
            {
                var phase = incoming.Phase switch
                {
                    IncomingPhase.Listening => incoming.QemuStatus is "active" ? HostMigrationPhase.Precopy : HostMigrationPhase.Prepared,
                    IncomingPhase.Resumed => HostMigrationPhase.ResumeStarted,
                    _ => HostMigrationPhase.Aborted,
                };
                return new HostMigrationStatus(migrationId, incoming.Request.VmId, incoming.Request.SourceHostId, HostId, phase, 0);
            }
        }

        return HypervisorResult<HostMigrationStatus>.UnknownMigration($"{HostId} knows no migration {migrationId}.");
    }

    private OutgoingMigration? Find(string migrationId)
    {
        lock (_gate)
        {
            return _outgoing.GetValueOrDefault(migrationId);
        }
    }

    private async Task<HypervisorResult<bool>> StartMigrationAsync(OutgoingMigration migration)
    {
        var incoming = await _peers.GetIncomingAsync(migration.DestinationHostId, migration.MigrationId, CancellationToken.None);
        if (!incoming.IsOk)
        {
            return incoming.Error!.Code == PeerClient.Unreachable
                ? HypervisorResult<bool>.DestinationUnresponsive($"{migration.DestinationHostId} did not answer: {incoming.Error.Message}")
                : incoming.As<bool>();
        }

        migration.Attach();
        var vm = migration.Vm;
        await vm.ExecuteAsync("migrate-set-capabilities", new
        {
            capabilities = new[] { Capability("events"), Capability("pause-before-switchover"), Capability("return-path") },
        });
        await vm.ExecuteAsync("migrate-set-parameters", new Dictionary<string, object>
        {
            ["max-bandwidth"] = (long)(_options.BandwidthMBps * MiB),
            ["downtime-limit"] = _options.PrecopyDowntimeLimitMs,
        });
        await vm.ExecuteAsync("migrate", new { uri = incoming.Value!.Uri });
        migration.Phase = OutgoingPhase.Precopy;

        // Round 1 exists once QEMU has synced the dirty bitmap the first time (MIGRATION_PASS 1).
        for (var i = 0; i < 400 && migration.Passes == 0 && !migration.IsFailed; i++)
        {
            await Task.Delay(10);
        }

        LogMigrationStarted(_log, migration.MigrationId, migration.VmId, incoming.Value.Uri);
        return true;
    }

    private async Task<HypervisorResult<PrecopyRoundStatus>> RoundAsync(OutgoingMigration migration, int round)
    {
        if (migration.IsFailed)
        {
            var report = await migration.Ended.WaitAsync(StepTimeout);
            return HypervisorResult<PrecopyRoundStatus>.Aborted($"QEMU ended migration {migration.MigrationId} {report.Status}: {report.Error}");
        }

        long remaining = 0;
        if (migration.QemuStatus is "active" or "setup")
        {
            try
            {
                var info = await migration.Vm.QueryMigrateAsync();
                remaining = info.TryGetProperty("ram", out var ram) ? ram.GetProperty("remaining").GetInt64() : 0;
            }
            catch (QmpException)
            {
                // Reported from what was recorded.
            }
        }

        return migration.Round(round, _options.BandwidthMBps * MiB, remaining, _time.GetUtcNow()) is { } status
            ? status
            : HypervisorResult<PrecopyRoundStatus>.UnknownMigration($"Round {round} of {migration.MigrationId} has not started (QEMU is in pass {migration.Passes}).");
    }

    private async Task<byte[]> PageHashesAsync(QemuVm vm, string migrationId, string side)
    {
        var dump = Path.Combine(_options.RunDirectory, $"{vm.Definition.VmId}.{side}.mem");
        await vm.ExecuteAsync("pmemsave", new { val = 0L, size = (long)vm.Definition.MemoryMb * 1024 * 1024, filename = dump });
        try
        {
            return await MemoryComparison.HashPagesAsync(dump);
        }
        finally
        {
            if (!_options.KeepMemoryDumps)
            {
                File.Delete(dump);
            }

            LogDumped(_log, migrationId, side, dump);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} of {VmId} started toward {Uri}")]
    private static partial void LogMigrationStarted(ILogger logger, string migrationId, string vmId, string uri);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} switched over: QEMU downtime {DowntimeMs} ms, total {TotalMs} ms, {Passes} passes")]
    private static partial void LogQuiesced(ILogger logger, string migrationId, long downtimeMs, long totalMs, int passes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} of {VmId} aborted (QEMU status {Status}); the VM runs here")]
    private static partial void LogAborted(ILogger logger, string migrationId, string vmId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Memory of {MigrationId} dumped on the {Side} to {File}")]
    private static partial void LogDumped(ILogger logger, string migrationId, string side, string file);
}
