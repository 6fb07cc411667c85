using System.Globalization;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>The destination's side: prepare (checks, a reserved migration port), resume, drop.</summary>
public sealed partial class LibvirtHost
{
    public async Task<HypervisorResult<PrepareResponse>> PrepareAsync(string migrationId, PrepareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.SourceHostId == HostId)
        {
            return HypervisorResult<PrepareResponse>.BadRequest("Source and destination are the same host.");
        }

        LibvirtIncoming incoming;
        lock (_gate)
        {
            if (_incoming.TryGetValue(migrationId, out var existing))
            {
                if (existing.Request.VmId != request.VmId || existing.Request.SourceHostId != request.SourceHostId)
                {
                    return HypervisorResult<PrepareResponse>.Conflict($"Migration {migrationId} exists with other parameters.");
                }

                incoming = existing;
            }
            else
            {
                if (_busy.TryGetValue(request.VmId, out var other))
                {
                    return HypervisorResult<PrepareResponse>.VmLocked($"VM {request.VmId} is already being migrated by {other}.");
                }

                incoming = new LibvirtIncoming(migrationId, request);
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
            if (!result.IsOk || !result.Value!.OkToMigrate)
            {
                lock (_gate)
                {
                    _busy.Remove(request.VmId);
                    if (!result.IsOk)
                    {
                        _incoming.Remove(migrationId);
                    }
                }
            }

            incoming.Answer = result.IsOk ? result.Value : null;
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
                : !incoming.Holds ? HypervisorResult<IncomingInfo>.Aborted($"Migration {migrationId} is not prepared on {HostId}.")
                : new IncomingInfo(migrationId, incoming.Request.VmId, _options.PeerConnectUri, "prepared",
                    string.Create(CultureInfo.InvariantCulture, $"tcp://{_options.MigrationAddress}:{incoming.Port}")));
        }
    }

    public async Task<HypervisorResult<ResumeIncomingResponse>> ResumeIncomingAsync(string migrationId, ResumeIncomingRequest request, CancellationToken cancellationToken)
    {
        LibvirtIncoming? incoming;
        lock (_gate)
        {
            _incoming.TryGetValue(migrationId, out incoming);
        }

        if (incoming is null)
        {
            return HypervisorResult<ResumeIncomingResponse>.UnknownMigration($"{HostId} prepared no migration {migrationId}.");
        }

        if (incoming.ResumeAnswer is { } answered)
        {
            return answered;
        }

        // libvirt's Finish phase has already started the domain here; resume-started is confirming it runs.
        var state = (await _virsh.RunAsync("domstate", incoming.Request.VmId)).Output.Trim();
        if (state == "paused")
        {
            await _virsh.RunAsync("resume", incoming.Request.VmId);
            state = (await _virsh.RunAsync("domstate", incoming.Request.VmId)).Output.Trim();
        }

        if (state != "running")
        {
            return HypervisorResult<ResumeIncomingResponse>.Aborted($"{incoming.Request.VmId} is not running on {HostId} ({state}).");
        }

        lock (_gate)
        {
            incoming.Resumed = true;
            _busy.Remove(incoming.Request.VmId);
        }

        incoming.ResumeAnswer = new ResumeIncomingResponse(true, _time.GetUtcNow(), null, null);
        return incoming.ResumeAnswer;
    }

    public Task<HypervisorResult<DropIncomingResponse>> DropIncomingAsync(string migrationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_incoming.TryGetValue(migrationId, out var incoming))
            {
                return Task.FromResult<HypervisorResult<DropIncomingResponse>>(new DropIncomingResponse(true, "unknown"));
            }

            if (incoming.Resumed)
            {
                return Task.FromResult(HypervisorResult<DropIncomingResponse>.ResumeStarted($"{HostId} runs {incoming.Request.VmId}."));
            }

            // libvirt removes a half-received domain itself when the job fails: only the reservation is left to drop.
            incoming.Dropped = true;
            _busy.Remove(incoming.Request.VmId);
            return Task.FromResult<HypervisorResult<DropIncomingResponse>>(new DropIncomingResponse(true, "dropped"));
        }
    }

    private async Task<HypervisorResult<PrepareResponse>> PrepareIncomingAsync(LibvirtIncoming incoming)
    {
        var request = incoming.Request;
        if (_power.State != PowerState.On)
        {
            return new PrepareResponse(incoming.MigrationId, false, $"{HostId} is {_power.State}");
        }

        var grant = await _peers.RegisterOutgoingAsync(request.SourceHostId, incoming.MigrationId, new OutgoingRequest(request.VmId, HostId), CancellationToken.None);
        if (!grant.IsOk)
        {
            return grant.Error!.Code == PeerClient.Unreachable
                ? HypervisorResult<PrepareResponse>.Unavailable($"The source {request.SourceHostId} did not answer: {grant.Error.Message}")
                : grant.Error.Code == HypervisorErrorCodes.UnknownHost ? new PrepareResponse(incoming.MigrationId, false, grant.Error.Message) : grant.As<PrepareResponse>();
        }

        if (grant.Value!.Backend != BackendName)
        {
            return new PrepareResponse(incoming.MigrationId, false, $"the source runs {grant.Value.Backend}, this host runs libvirt");
        }

        incoming.MemoryMb = grant.Value.MemoryMb;
        var status = (await GetStatusAsync(CancellationToken.None)).Value!;
        var used = status.Vms.Where(v => v.VmId != request.VmId).Sum(v => v.MemoryMb);
        if (status.MemoryMb - used < grant.Value.MemoryMb)
        {
            return new PrepareResponse(incoming.MigrationId, false, $"not enough free memory: {Math.Max(0, status.MemoryMb - used):0} MiB free, {grant.Value.MemoryMb:0} MiB needed");
        }

        // CPU compatibility: the domain's CPU against what this host's hypervisor can provide.
        var xml = Path.Combine(Path.GetTempPath(), $"prescient-{Guid.NewGuid():N}.xml");
        var domainXml = grant.Value.Definition.GetString() ?? "";
        await File.WriteAllTextAsync(xml, domainXml);
        try
        {
            // Against the accelerator the domain uses (type='kvm' or type='qemu', i.e. TCG).
            var virtType = System.Text.RegularExpressions.Regex.Match(domainXml, "<domain[^>]*type=['\"](\\w+)['\"]").Groups[1].Value;
            var compare = await _virsh.RunAsync("hypervisor-cpu-compare", xml, "--virttype", virtType.Length > 0 ? virtType : "kvm");
            if (compare.Output.Contains("incompatible", StringComparison.OrdinalIgnoreCase) || compare.Error.Contains("incompatible", StringComparison.OrdinalIgnoreCase))
            {
                return new PrepareResponse(incoming.MigrationId, false, $"the VM's CPU is incompatible with this host: {compare.Output.Trim()} {compare.Error}");
            }
        }
        finally
        {
            File.Delete(xml);
        }

        lock (_gate)
        {
            var taken = _incoming.Values.Where(i => i.Holds && i != incoming).Select(i => i.Port).ToHashSet();
            incoming.Port = Enumerable.Range(_options.MigrationPortMin, _options.MigrationPortMax - _options.MigrationPortMin + 1).FirstOrDefault(p => !taken.Contains(p));
        }

        if (incoming.Port == 0)
        {
            return new PrepareResponse(incoming.MigrationId, false, "no free migration port");
        }

        incoming.Prepared = true;
        LogPrepared(_log, incoming.MigrationId, request.VmId, incoming.Port);
        return new PrepareResponse(incoming.MigrationId, true, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepared {MigrationId} ({VmId}): stream port {Port}")]
    private static partial void LogPrepared(ILogger logger, string migrationId, string vmId, int port);
}
