using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Qemu;

/// <summary>The destination's side: prepare (compatibility checks, QEMU started with -incoming), resume, drop.</summary>
public sealed partial class QemuHost
{
    private static readonly Version FirstSafeTcgVersion = new(9, 0, 0);

    public async Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SourceHostId == HostId)
        {
            return HypervisorResult<PrepareResponse>.BadRequest("Source and destination are the same host.");
        }

        IncomingMigration incoming;
        lock (_gate)
        {
            if (_incoming.TryGetValue(migrationId, out var existing))
            {
                // The same migration: same VM, source and size (the CPU figure is a measurement, not an identity).
                if (existing.Request.VmId != request.VmId || existing.Request.SourceHostId != request.SourceHostId || Math.Abs(existing.Request.MemoryMb - request.MemoryMb) > 1)
                {
                    return HypervisorResult<PrepareResponse>.Conflict($"Migration {migrationId} exists with other parameters.");
                }

                incoming = existing;
            }
            else
            {
                if (_vms.ContainsKey(request.VmId))
                {
                    return HypervisorResult<PrepareResponse>.Conflict($"VM {request.VmId} already runs on {HostId}.");
                }

                if (_busy.TryGetValue(request.VmId, out var other))
                {
                    return HypervisorResult<PrepareResponse>.VmLocked($"VM {request.VmId} is already being migrated by {other}.");
                }

                incoming = new IncomingMigration(migrationId, request, _time.GetUtcNow());
                _incoming[migrationId] = incoming;
                _busy[request.VmId] = migrationId;
            }
        }

        await incoming.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (incoming.Answer is { } answered)
            {
                return answered;
            }

            var result = await PrepareIncomingAsync(incoming);
            if (result.IsOk)
            {
                incoming.Answer = result.Value;
                if (!result.Value!.OkToMigrate)
                {
                    Release(incoming);
                }
            }
            else
            {
                // Not an answer (the source could not be asked, QEMU did not start): a retry prepares afresh.
                lock (_gate)
                {
                    _incoming.Remove(migrationId);
                    Release(incoming);
                }
            }

            LogPrepared(_log, migrationId, request.VmId, result.Value?.OkToMigrate ?? false, result.Value?.RefusalReason ?? result.Error?.Message);
            return result;
        }
        finally
        {
            incoming.Gate.Release();
        }
    }

    public Task<HypervisorResult<IncomingInfo>> GetIncomingAsync(string migrationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(!_incoming.TryGetValue(migrationId, out var incoming) ? HypervisorResult<IncomingInfo>.UnknownMigration($"{HostId} prepared no migration {migrationId}.")
                : incoming.Phase != IncomingPhase.Listening ? HypervisorResult<IncomingInfo>.Aborted($"Migration {migrationId} is {incoming.Phase} on {HostId}.")
                : new IncomingInfo(migrationId, incoming.Request.VmId, incoming.Uri, incoming.QemuStatus));
        }
    }

    public async Task<HypervisorResult<ResumeIncomingResponse>> ResumeIncomingAsync(string migrationId, ResumeIncomingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        IncomingMigration? incoming;
        lock (_gate)
        {
            _incoming.TryGetValue(migrationId, out incoming);
        }

        if (incoming is null)
        {
            return HypervisorResult<ResumeIncomingResponse>.UnknownMigration($"{HostId} prepared no migration {migrationId}.");
        }

        await incoming.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (incoming.ResumeAnswer is { } answered)
            {
                return answered;
            }

            if (incoming.Phase != IncomingPhase.Listening || incoming.Vm is not { } vm)
            {
                return HypervisorResult<ResumeIncomingResponse>.Aborted($"Migration {migrationId} was {incoming.Phase} on {HostId}.");
            }

            // The stream must be complete here (the source's quiesce waited for QEMU's "completed").
            var received = vm.WaitForEventAsync("MIGRATION", e => e.Data.GetProperty("status").GetString() is "completed" or "failed", CancellationToken.None);
            var status = (await vm.QueryMigrateAsync(CancellationToken.None)).GetProperty("status").GetString();
            if (status != "completed" && (await received.WaitAsync(TimeSpan.FromSeconds(30))).Data.GetProperty("status").GetString() != "completed")
            {
                return HypervisorResult<ResumeIncomingResponse>.Aborted($"The migration stream of {migrationId} did not complete on {HostId}.");
            }

            int? differing = null, compared = null;
            if (request.PageHashes is not null)
            {
                var mine = await PageHashesAsync(vm, migrationId, "destination");
                (differing, compared) = MemoryComparison.Compare(Convert.FromBase64String(request.PageHashes), mine);
                LogVerified(_log, migrationId, differing.Value, compared.Value);
                if (differing > 0)
                {
                    return HypervisorResult<ResumeIncomingResponse>.Conflict($"Guest memory differs in {differing} of {compared} pages: not resumed.");
                }
            }

            var resumed = vm.WaitForEventAsync("RESUME", null, CancellationToken.None);
            try
            {
                await vm.ExecuteAsync("cont", null, CancellationToken.None);
            }
            catch (QmpException e)
            {
                // The disk lock (QEMU image locking) is held by another QEMU: the source took the VM back.
                return HypervisorResult<ResumeIncomingResponse>.VmLocked($"{HostId} could not start {incoming.Request.VmId}: {e.Description}");
            }

            var at = (await resumed.WaitAsync(TimeSpan.FromSeconds(30))).Timestamp;
            incoming.Phase = IncomingPhase.Resumed;
            incoming.ResumeAnswer = new ResumeIncomingResponse(true, at, differing, compared);
            await SaveDefinitionAsync(vm.Definition, vm.Paths, CancellationToken.None);
            lock (_gate)
            {
                Release(incoming);
            }

            Own(vm);
            LogResumed(_log, migrationId, incoming.Request.VmId, HostId);
            return incoming.ResumeAnswer;
        }
        finally
        {
            incoming.Gate.Release();
        }
    }

    public async Task<HypervisorResult<DropIncomingResponse>> DropIncomingAsync(string migrationId, CancellationToken cancellationToken)
    {
        IncomingMigration? incoming;
        lock (_gate)
        {
            _incoming.TryGetValue(migrationId, out incoming);
        }

        if (incoming is null)
        {
            return new DropIncomingResponse(true, "unknown");
        }

        await incoming.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (incoming.Phase == IncomingPhase.Resumed)
            {
                return HypervisorResult<DropIncomingResponse>.ResumeStarted($"{HostId} has resumed {incoming.Request.VmId}.");
            }

            await DropAsync(incoming, "dropped at the source's request");
            return new DropIncomingResponse(true, incoming.Phase.ToString());
        }
        finally
        {
            incoming.Gate.Release();
        }
    }

    private async Task<HypervisorResult<PrepareResponse>> PrepareIncomingAsync(IncomingMigration incoming)
    {
        var request = incoming.Request;
        if (_power.State != PowerState.On)
        {
            return Refuse(incoming, $"{HostId} is {_power.State}");
        }

        var grant = await _peers.RegisterOutgoingAsync(request.SourceHostId, incoming.MigrationId, new OutgoingRequest(request.VmId, HostId), CancellationToken.None);
        if (!grant.IsOk)
        {
            return grant.Error!.Code switch
            {
                HypervisorErrorCodes.UnknownHost => Refuse(incoming, $"no peer endpoint is configured here for the source {request.SourceHostId}"),
                PeerClient.Unreachable => HypervisorResult<PrepareResponse>.Unavailable($"The source {request.SourceHostId} did not answer: {grant.Error.Message}"),
                _ => grant.As<PrepareResponse>(),
            };
        }

        if (grant.Value!.Backend != BackendName)
        {
            return Refuse(incoming, $"the source runs {grant.Value.Backend}, this host runs QEMU directly");
        }

        var definition = grant.Value.Definition.Deserialize<QemuVmDefinition>(DefinitionJson)!;
        if (Incompatibility(definition, grant.Value.HypervisorVersion, request) is { } reason)
        {
            return Refuse(incoming, reason);
        }

        QemuVm vm;
        try
        {
            vm = await QemuVm.StartAsync(_options.QemuBinary, definition, PathsFor(definition.VmId, incoming.MigrationId), incoming: true, _options.DetachVms, _log, CancellationToken.None, _options.Nice);
        }
        catch (InvalidOperationException e)
        {
            return Refuse(incoming, $"QEMU could not start the VM here: {e.Message}");
        }

        try
        {
            vm.EventReceived += e =>
            {
                if (e.Name == "MIGRATION")
                {
                    incoming.QemuStatus = e.Data.GetProperty("status").GetString() ?? "";
                }
            };

            // late-block-activate: the disks' write locks are taken at 'cont', not when the stream completes, so the
            // source can still take the VM back until the destination resumes it (QEMU >= 10 does this anyway with -S).
            await vm.ExecuteAsync("migrate-set-capabilities", new { capabilities = new[] { Capability("events"), Capability("late-block-activate") } });
            await vm.ExecuteAsync("migrate-incoming", new { uri = $"tcp:{_options.MigrationAddress}:0" });
            var listening = await vm.QueryMigrateAsync();
            var port = listening.GetProperty("socket-address")[0].GetProperty("port").GetString();
            incoming.Uri = $"tcp:{_options.MigrationAddress}:{port}";
        }
        catch (QmpException e)
        {
            await vm.QuitAsync(TimeSpan.FromSeconds(5));
            await vm.DisposeAsync();
            return Refuse(incoming, $"QEMU could not listen for the migration: {e.Message}");
        }

        incoming.Vm = vm;
        incoming.Phase = IncomingPhase.Listening;
        _ = vm.Exited.ContinueWith(_ => OnIncomingExited(incoming), TaskScheduler.Default);
        return new PrepareResponse(incoming.MigrationId, true, null);
    }

    private string? Incompatibility(QemuVmDefinition vm, string sourceVersion, PrepareRequest request)
    {
        if (request.MemoryMb > 0 && Math.Abs(request.MemoryMb - vm.MemoryMb) > 1)
        {
            return $"the request says {request.MemoryMb:0} MiB of memory, the source's VM has {vm.MemoryMb} MiB";
        }

        double used;
        lock (_gate)
        {
            used = _vms.Values.Sum(v => v.Definition.MemoryMb) +
                   _incoming.Values.Where(i => i.Holds).Sum(i => i.Vm?.Definition.MemoryMb ?? 0);
        }

        var free = OfferedMemoryMb() - used;
        if (_options.MemoryMb is null)
        {
            free = Math.Min(free, _proc.Memory().AvailableMb - _options.MemoryReserveMb);
        }

        if (free < vm.MemoryMb)
        {
            return $"not enough free memory: {Math.Max(0, free):0} MiB free, {vm.MemoryMb} MiB needed";
        }

        if (!Machines.Contains(vm.Machine))
        {
            return $"this host's QEMU {QemuVersion} has no machine type '{vm.Machine}'";
        }

        if (!CpuModels.Contains(vm.CpuModel))
        {
            return $"this host's QEMU {QemuVersion} has no CPU model '{vm.CpuModel}'";
        }

        if (vm.Accelerator == "kvm" && !KvmAvailable)
        {
            return "KVM is not available on this host (/dev/kvm)";
        }

        if (vm.Accelerator == "tcg" && QemuVersion < FirstSafeTcgVersion)
        {
            return $"QEMU {QemuVersion} corrupts TCG guests' memory during multi-round pre-copy (fixed in 9.0); install QEMU >= 9.0";
        }

        if (Version.TryParse(sourceVersion, out var source) && QemuVersion < source)
        {
            return $"this host's QEMU {QemuVersion} is older than the source's {source}: QEMU migrates only to the same or a newer version";
        }

        foreach (var file in new[] { vm.Kernel, vm.Initrd }.OfType<string>().Concat((vm.Disks ?? []).Select(d => d.Path)))
        {
            if (!File.Exists(file))
            {
                return $"{file} is not visible on this host (disks and boot files must be on storage both hosts share)";
            }
        }

        return null;
    }

    private HypervisorResult<PrepareResponse> Refuse(IncomingMigration incoming, string reason)
    {
        incoming.Phase = IncomingPhase.Refused;
        return new PrepareResponse(incoming.MigrationId, false, reason);
    }

    private static Dictionary<string, object> Capability(string name, bool state = true) => new() { ["capability"] = name, ["state"] = state };

    /// <summary>Releases the VM id (caller holds <c>_gate</c> or is the only one left using the migration).</summary>
    private void Release(IncomingMigration incoming)
    {
        lock (_gate)
        {
            if (_busy.TryGetValue(incoming.Request.VmId, out var id) && id == incoming.MigrationId)
            {
                _busy.Remove(incoming.Request.VmId);
            }
        }
    }

    private async Task DropAsync(IncomingMigration incoming, string why)
    {
        if (incoming.Phase != IncomingPhase.Listening)
        {
            return;
        }

        incoming.Phase = IncomingPhase.Dropped;
        if (incoming.Vm is { } vm)
        {
            await vm.QuitAsync(TimeSpan.FromSeconds(5));
            await vm.DisposeAsync();
        }

        Release(incoming);
        LogDropped(_log, incoming.MigrationId, incoming.Request.VmId, why);
    }

    private void OnIncomingExited(IncomingMigration incoming)
    {
        // QEMU exits by itself when the source cancels or the stream breaks: the reservation goes with it.
        if (incoming.Phase == IncomingPhase.Listening)
        {
            incoming.Phase = IncomingPhase.Dropped;
            Release(incoming);
            LogDropped(_log, incoming.MigrationId, incoming.Request.VmId, "its QEMU exited");
        }
    }

    private void DropExpiredPreparations()
    {
        List<IncomingMigration> expired;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            expired = [.. _incoming.Values.Where(i => i.Phase == IncomingPhase.Listening && i.QemuStatus is "none" or "setup" && now - i.PreparedAt > _options.PreparedTimeout)];
        }

        foreach (var incoming in expired)
        {
            _ = Task.Run(async () =>
            {
                await incoming.Gate.WaitAsync(CancellationToken.None);
                try
                {
                    await DropAsync(incoming, $"nothing arrived within {_options.PreparedTimeout}");
                }
                finally
                {
                    incoming.Gate.Release();
                }
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepare {MigrationId} ({VmId}): ok={Ok} {Reason}")]
    private static partial void LogPrepared(ILogger logger, string migrationId, string vmId, bool ok, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {VmId} on {HostId} ({MigrationId})")]
    private static partial void LogResumed(ILogger logger, string migrationId, string vmId, string hostId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped incoming {MigrationId} ({VmId}): {Why}")]
    private static partial void LogDropped(ILogger logger, string migrationId, string vmId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory of {MigrationId} verified: {Differing} of {Compared} pages differ")]
    private static partial void LogVerified(ILogger logger, string migrationId, int differing, int compared);
}
