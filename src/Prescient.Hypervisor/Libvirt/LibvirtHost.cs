using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.HostMetrics;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Hypervisor.Libvirt;

/// <summary>
/// The hypervisor contract for a libvirt host, through virsh. Pre-copy is a live peer-to-peer migration job whose job
/// statistics give the rounds (<c>Iteration</c>); libvirt keeps the switch-over inside its own protocol (Begin,
/// Prepare, Perform, Finish, Confirm): when the job completes the domain already runs on the destination, so quiesce
/// ends with the VM resumed there and an abort is possible only before (docs/hypervisors.md).
/// This file: status, power, the destination's side. <c>LibvirtHost.Outgoing.cs</c>: the source's side.
/// </summary>
public sealed partial class LibvirtHost : IHypervisorHost, IMigrationPeer, IAsyncDisposable
{
    public const string BackendName = "libvirt";
    private readonly LibvirtHostOptions _options;
    private readonly HostPower _power;
    private readonly PeerClient _peers;
    private readonly Virsh _virsh;
    private readonly ProcHostMetrics _proc;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LibvirtOutgoing> _outgoing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LibvirtIncoming> _incoming = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _busy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Seconds, long At, double Cores)> _cpu = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private double _hostBusy;
    private Task _sampler = Task.CompletedTask;

    private LibvirtHost(LibvirtHostOptions options, HostPower power, PeerClient peers, TimeProvider time, ILogger log)
    {
        _options = options;
        _power = power;
        _peers = peers;
        _virsh = new Virsh(options.Virsh, options.ConnectUri);
        _proc = new ProcHostMetrics(options.ProcPath);
        _time = time;
        _log = log;
    }

    public string HostId => _options.HostId;

    /// <summary>The QEMU libvirt runs ("Running hypervisor: QEMU 10.0.2").</summary>
    public string HypervisorVersion { get; private set; } = "";

    public static async Task<LibvirtHost> StartAsync(LibvirtHostOptions options, HostPower power, PeerClient peers, ILogger<LibvirtHost> log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid libvirt backend settings: " + string.Join(" ", problems), nameof(options));
        }

        var host = new LibvirtHost(options, power, peers, time ?? TimeProvider.System, log);
        var version = await host._virsh.RunAsync("version");
        if (!version.Ok)
        {
            throw new InvalidOperationException($"libvirt at {options.ConnectUri} does not answer: {version.Error}");
        }

        host.HypervisorVersion = Virsh.Fields(version.Output).GetValueOrDefault("Running hypervisor", "").Replace("QEMU ", "", StringComparison.Ordinal);
        host._sampler = Task.Run(host.SampleLoopAsync);
        return host;
    }

    public async Task<HypervisorResult<HostStatus>> GetStatusAsync(CancellationToken cancellationToken)
    {
        var node = Virsh.Fields((await _virsh.RunAsync("nodeinfo")).Output);
        var capacity = _options.CpuCapacity ?? Virsh.Number(node, "CPU(s)") ?? _proc.CpuCount();
        var memory = _options.MemoryMb ?? (Virsh.Number(node, "Memory size") ?? 0) / 1024.0 - _options.MemoryReserveMb;
        var vms = new List<VmStatus>();
        double owned = 0;
        foreach (var (domain, memoryMb) in await RunningDomainsAsync())
        {
            double cores;
            lock (_gate)
            {
                cores = _cpu.TryGetValue(domain, out var c) ? c.Cores : 0;
            }

            owned += cores;
            vms.Add(new VmStatus(domain, null, cores, memoryMb, 0, VmRunState.Running));
        }

        int active;
        lock (_gate)
        {
            vms.AddRange(_incoming.Values.Where(i => i.Holds).Select(i => new VmStatus(i.Request.VmId, null, 0, i.MemoryMb, 0, VmRunState.Incoming)));
            active = _incoming.Values.Count(i => i.Holds) + _outgoing.Values.Count(o => o.Phase is OutgoingPhase.Precopy);
        }

        var load = _options.LoadSource == LoadSource.OwnedVms ? Math.Min(1, owned / capacity) : Volatile.Read(ref _hostBusy);
        return new HostStatus(HostId, capacity, Math.Max(0, memory), _options.BandwidthMBps, load, _power.State, vms, active, _time.GetUtcNow());
    }

    public async Task<HypervisorResult<PowerResponse>> SetPowerAsync(PowerAction action, CancellationToken cancellationToken)
    {
        if (action == PowerAction.Wake)
        {
            return new PowerResponse(HostId, _power.Wake());
        }

        var running = await RunningDomainsAsync();
        bool incoming;
        lock (_gate)
        {
            incoming = _incoming.Values.Any(i => i.Holds);
        }

        return running.Count > 0 || incoming
            ? HypervisorResult<PowerResponse>.Fail(409, HypervisorErrorCodes.HostNotEmpty, $"{HostId} still runs {string.Join(", ", running.Select(r => r.Domain))}.")
            : new PowerResponse(HostId, _power.Reduce());
    }

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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _sampler;
        _stopping.Dispose();
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

    /// <summary>Running domains with their memory (MiB).</summary>
    private async Task<List<(string Domain, double MemoryMb)>> RunningDomainsAsync()
    {
        var stats = await _virsh.RunAsync("domstats", "--raw", "--list-running", "--balloon", "--cpu-total");
        var result = new List<(string, double)>();
        string? domain = null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (stats.Output + "\nDomain: ''").Split('\n'))
        {
            if (line.StartsWith("Domain: ", StringComparison.Ordinal))
            {
                if (domain is not null)
                {
                    var memoryKib = double.Parse(fields.GetValueOrDefault("balloon.maximum", "0"), CultureInfo.InvariantCulture);
                    result.Add((domain, memoryKib / 1024));
                    var cpuSeconds = double.Parse(fields.GetValueOrDefault("cpu.time", "0"), CultureInfo.InvariantCulture) / 1e9;
                    RecordCpu(domain, cpuSeconds);
                }

                domain = line["Domain: ".Length..].Trim().Trim('\'');
                domain = domain.Length == 0 ? null : domain;
                fields.Clear();
            }
            else if (line.Contains('=', StringComparison.Ordinal))
            {
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                fields[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return result;
    }

    private void RecordCpu(string domain, double seconds)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_cpu.TryGetValue(domain, out var previous) && _time.GetElapsedTime(previous.At, now) < _options.SampleInterval / 2)
            {
                return; // Too close to the last reading to be a rate.
            }

            var cores = _cpu.TryGetValue(domain, out previous) ? Math.Max(0, (seconds - previous.Seconds) / _time.GetElapsedTime(previous.At, now).TotalSeconds) : 0;
            _cpu[domain] = (seconds, now, cores);
        }
    }

    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        try
        {
            do
            {
                if (_options.LoadSource == LoadSource.Host && _proc.BusyFraction() is { } busy)
                {
                    Volatile.Write(ref _hostBusy, busy);
                }

                await RunningDomainsAsync();
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prepared {MigrationId} ({VmId}): stream port {Port}")]
    private static partial void LogPrepared(ILogger logger, string migrationId, string vmId, int port);
}

/// <summary>The destination's reservation for one libvirt migration.</summary>
internal sealed class LibvirtIncoming(string migrationId, PrepareRequest request)
{
    public string MigrationId { get; } = migrationId;

    public PrepareRequest Request { get; } = request;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public PrepareResponse? Answer { get; set; }

    public ResumeIncomingResponse? ResumeAnswer { get; set; }

    public double MemoryMb { get; set; }

    public int Port { get; set; }

    public bool Prepared { get; set; }

    public bool Resumed { get; set; }

    public bool Dropped { get; set; }

    public bool Holds => Prepared && !Resumed && !Dropped;
}
