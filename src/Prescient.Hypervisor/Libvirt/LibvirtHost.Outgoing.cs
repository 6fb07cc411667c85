using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>The source's side: the peer-to-peer migration job, its iterations, forcing completion, aborting the job.</summary>
public sealed partial class LibvirtHost
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    public async Task<HypervisorResult<OutgoingGrant>> RegisterOutgoingAsync(string migrationId, OutgoingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (_outgoing.TryGetValue(migrationId, out var existing) && (existing.VmId != request.VmId || existing.DestinationHostId != request.DestinationHostId))
            {
                return HypervisorResult<OutgoingGrant>.Conflict($"Migration {migrationId} exists with other parameters.");
            }

            if (existing is null && _busy.TryGetValue(request.VmId, out var other))
            {
                return HypervisorResult<OutgoingGrant>.VmLocked($"VM {request.VmId} is already being migrated by {other}.");
            }
        }

        if ((await _virsh.RunAsync("domstate", request.VmId)).Output.Trim() != "running")
        {
            return HypervisorResult<OutgoingGrant>.Conflict($"VM {request.VmId} is not running on {HostId}.");
        }

        var xml = await _virsh.RunAsync("dumpxml", "--migratable", request.VmId);
        var info = Virsh.Fields((await _virsh.RunAsync("dominfo", request.VmId)).Output);
        var memoryMb = (Virsh.Number(info, "Max memory") ?? 0) / 1024.0;
        lock (_gate)
        {
            if (!_outgoing.ContainsKey(migrationId))
            {
                _outgoing[migrationId] = new LibvirtOutgoing(migrationId, request.VmId, request.DestinationHostId) { TotalMb = memoryMb };
                _busy[request.VmId] = migrationId;
            }
        }

        return new OutgoingGrant(request.VmId, BackendName, JsonSerializer.SerializeToElement(xml.Output), HypervisorVersion, memoryMb);
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

                var incoming = await _peers.GetIncomingAsync(migration.DestinationHostId, migrationId, CancellationToken.None);
                if (!incoming.IsOk)
                {
                    return incoming.Error!.Code == PeerClient.Unreachable
                        ? HypervisorResult<PrecopyRoundStatus>.DestinationUnresponsive($"{migration.DestinationHostId} did not answer: {incoming.Error.Message}")
                        : incoming.As<PrecopyRoundStatus>();
                }

                await StartJobAsync(migration, incoming.Value!);
            }

            return Round(migration, round);
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    public Task<HypervisorResult<PrecopyRoundStatus>> GetRoundAsync(string migrationId, int round, CancellationToken cancellationToken) =>
        Task.FromResult(Find(migrationId) is { Phase: not OutgoingPhase.Registered } migration
            ? Round(migration, round)
            : HypervisorResult<PrecopyRoundStatus>.UnknownMigration($"Round {round} of {migrationId} was never started."));

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

            if (migration.Phase != OutgoingPhase.Precopy || migration.Ended is null)
            {
                return HypervisorResult<QuiesceResponse>.WrongPhase($"Migration {migrationId} has no running job to complete.");
            }

            // libvirt has no pause-before-switchover: a long max downtime lets the job switch over at its next
            // iteration, and libvirt's Finish resumes the domain on the destination before the job ends.
            await _virsh.RunAsync("migrate-setmaxdowntime", migration.VmId, "60000");
            var ended = await migration.Ended.WaitAsync(JobTimeout);
            if (!ended.Ok)
            {
                return HypervisorResult<QuiesceResponse>.Aborted($"The migration job of {migrationId} failed: {ended.Error}");
            }

            var job = Virsh.Fields((await _virsh.RunOnAsync(migration.DestinationUri, CancellationToken.None, "domjobinfo", migration.VmId, "--completed")).Output);
            migration.Phase = OutgoingPhase.Quiesced;
            migration.QuiesceAnswer = new QuiesceResponse(migrationId, 0, 0, (Virsh.Number(job, "Total downtime") ?? 0) / 1000.0);
            LogCompleted(_log, migrationId, Virsh.Number(job, "Total downtime") ?? -1, Virsh.Number(job, "Iteration") ?? -1);
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

        if (migration.ResumeAnswer is { } answered)
        {
            return answered;
        }

        if (migration.Phase != OutgoingPhase.Quiesced)
        {
            return migration.Phase == OutgoingPhase.Aborted
                ? HypervisorResult<ResumeResponse>.Aborted($"Migration {migrationId} was aborted.")
                : HypervisorResult<ResumeResponse>.WrongPhase($"Migration {migrationId} has not completed its job.");
        }

        var answer = await _peers.ResumeIncomingAsync(migration.DestinationHostId, migrationId, new ResumeIncomingRequest(), PeerClient.DefaultTimeout, CancellationToken.None);
        if (!answer.IsOk)
        {
            return answer.Error!.Code == PeerClient.Unreachable
                ? HypervisorResult<ResumeResponse>.DestinationUnresponsive($"{migration.DestinationHostId} did not answer: {answer.Error.Message}")
                : answer.As<ResumeResponse>();
        }

        migration.Phase = OutgoingPhase.ResumeStarted;
        migration.ResumeAnswer = new ResumeResponse(migrationId, true, migration.DestinationHostId);
        return migration.ResumeAnswer;
    }

    public Task<HypervisorResult<FinishResponse>> FinishAsync(string migrationId, CancellationToken cancellationToken)
    {
        if (Find(migrationId) is not { } migration)
        {
            return Task.FromResult(HypervisorResult<FinishResponse>.UnknownMigration($"{HostId} is the source of no migration {migrationId}."));
        }

        if (migration.Phase is not (OutgoingPhase.ResumeStarted or OutgoingPhase.Finished))
        {
            return Task.FromResult(HypervisorResult<FinishResponse>.WrongPhase($"Migration {migrationId} has not been resumed on {migration.DestinationHostId}."));
        }

        // libvirt's Confirm phase already stopped and undefined the source's copy.
        lock (_gate)
        {
            migration.Phase = OutgoingPhase.Finished;
            _busy.Remove(migration.VmId);
        }

        return Task.FromResult<HypervisorResult<FinishResponse>>(new FinishResponse(migrationId, 0, migration.DestinationHostId));
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

            if (migration.Phase == OutgoingPhase.Precopy && migration.Ended is { } ended)
            {
                if (!ended.IsCompleted)
                {
                    await _virsh.RunAsync("domjobabort", migration.VmId);
                }

                if ((await ended.WaitAsync(JobTimeout)).Ok)
                {
                    migration.Phase = OutgoingPhase.Quiesced; // The job completed before the abort reached it.
                }
            }

            if (migration.Phase is OutgoingPhase.Quiesced or OutgoingPhase.ResumeStarted or OutgoingPhase.Finished)
            {
                return HypervisorResult<AbortResponse>.ResumeStarted($"libvirt completed the migration of {migration.VmId}: it runs on {migration.DestinationHostId}.");
            }

            await _peers.DropIncomingAsync(migration.DestinationHostId, migrationId, CancellationToken.None);
            lock (_gate)
            {
                _busy.Remove(migration.VmId);
            }

            migration.Phase = OutgoingPhase.Aborted;
            migration.AbortAnswer = new AbortResponse(migrationId, true, HostId);
            return migration.AbortAnswer;
        }
        finally
        {
            migration.Gate.Release();
        }
    }

    public Task<HypervisorResult<HostMigrationStatus>> GetMigrationAsync(string migrationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_outgoing.TryGetValue(migrationId, out var o))
            {
                var phase = o.Phase switch
                {
                    OutgoingPhase.Registered => HostMigrationPhase.Prepared,
                    OutgoingPhase.Precopy => HostMigrationPhase.Precopy,
                    OutgoingPhase.Quiesced => HostMigrationPhase.Quiesced,
                    OutgoingPhase.ResumeStarted => HostMigrationPhase.ResumeStarted,
                    OutgoingPhase.Finished => HostMigrationPhase.Finished,
                    _ => HostMigrationPhase.Aborted,
                };
                return Task.FromResult<HypervisorResult<HostMigrationStatus>>(new HostMigrationStatus(migrationId, o.VmId, HostId, o.DestinationHostId, phase, o.Iterations));
            }

            if (_incoming.TryGetValue(migrationId, out var i))
            {
                var phase = i.Resumed ? HostMigrationPhase.ResumeStarted : i.Holds ? HostMigrationPhase.Prepared : HostMigrationPhase.Aborted;
                return Task.FromResult<HypervisorResult<HostMigrationStatus>>(new HostMigrationStatus(migrationId, i.Request.VmId, i.Request.SourceHostId, HostId, phase, 0));
            }
        }

        return Task.FromResult(HypervisorResult<HostMigrationStatus>.UnknownMigration($"{HostId} knows no migration {migrationId}."));
    }

    private LibvirtOutgoing? Find(string migrationId)
    {
        lock (_gate)
        {
            return _outgoing.GetValueOrDefault(migrationId);
        }
    }

    private async Task StartJobAsync(LibvirtOutgoing migration, IncomingInfo incoming)
    {
        migration.DestinationUri = incoming.Uri;
        await _virsh.RunAsync("migrate-setspeed", migration.VmId, ((long)Math.Ceiling(_options.BandwidthMBps)).ToString(CultureInfo.InvariantCulture));
        await _virsh.RunAsync("migrate-setmaxdowntime", migration.VmId, _options.PrecopyDowntimeLimitMs.ToString(CultureInfo.InvariantCulture));
        var args = new List<string> { "migrate", "--live", "--p2p", "--persistent", "--undefinesource" };
        if (_options.Unsafe)
        {
            args.Add("--unsafe");
        }

        args.AddRange([migration.VmId, incoming.Uri, "--migrateuri", incoming.MigrateUri ?? ""]);
        var job = _virsh.Start([.. args]);
        migration.Job = job;
        migration.Ended = Task.Run(async () =>
        {
            var output = job.StandardOutput.ReadToEndAsync();
            var error = job.StandardError.ReadToEndAsync();
            await job.WaitForExitAsync();
            return new VirshResult(job.ExitCode, await output, (await error).Trim());
        });
        migration.Phase = OutgoingPhase.Precopy;
        _ = Task.Run(() => PollJobAsync(migration));
        LogJobStarted(_log, migration.MigrationId, migration.VmId, incoming.Uri, incoming.MigrateUri ?? "");
    }

    private async Task PollJobAsync(LibvirtOutgoing migration)
    {
        while (!migration.Ended!.IsCompleted)
        {
            var job = Virsh.Fields((await _virsh.RunAsync("domjobinfo", migration.VmId)).Output);
            if (Virsh.Number(job, "Iteration") is { } iteration && Virsh.MiB(job, "Memory remaining") is { } remaining)
            {
                migration.Record((int)iteration, remaining, _time.GetUtcNow());
            }

            await Task.WhenAny(migration.Ended, Task.Delay(200));
        }
    }

    private HypervisorResult<PrecopyRoundStatus> Round(LibvirtOutgoing migration, int round)
    {
        if (migration.Failed)
        {
            return HypervisorResult<PrecopyRoundStatus>.Aborted($"The migration job of {migration.MigrationId} failed: {migration.Ended!.Result.Error}");
        }

        return migration.Round(round, _options.BandwidthMBps, 0, _time.GetUtcNow()) is { } status
            ? status
            : new PrecopyRoundStatus(migration.MigrationId, round, RoundState.Running, migration.TotalMb, 0, 0, migration.TotalMb / _options.BandwidthMBps);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId}: virsh migrate --p2p of {VmId} to {DestinationUri} ({MigrateUri})")]
    private static partial void LogJobStarted(ILogger logger, string migrationId, string vmId, string destinationUri, string migrateUri);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} completed by libvirt: downtime {DowntimeMs} ms, {Iterations} iterations")]
    private static partial void LogCompleted(ILogger logger, string migrationId, long downtimeMs, long iterations);
}
