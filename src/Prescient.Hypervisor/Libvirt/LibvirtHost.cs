using System.Globalization;
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
/// This file: status, power, load sampling. <c>LibvirtHost.Incoming.cs</c>: the destination's side.
/// <c>LibvirtHost.Outgoing.cs</c>: the source's side.
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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _sampler;
        _stopping.Dispose();
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
}
