using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prescient.Agent.Configuration;
using Prescient.Hypervisor;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Libvirt;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;
using Prescient.Hypervisor.Qemu;

namespace Prescient.Agent.Hosting;

/// <summary>
/// Serves the hypervisor contract for this host (docs/hypervisors.md) when <c>Agent:Hypervisor:Backend</c> names one:
/// the backend, the host's power, the agent-to-agent routes, on <c>ListenAddress:Port</c>. Nothing otherwise.
/// </summary>
internal sealed partial class HypervisorEndpointService(IOptions<AgentOptions> options, ILoggerFactory loggers, TimeProvider time) : IHostedService, IAsyncDisposable
{
    private readonly HttpClient _http = new();
    private readonly ILogger _log = loggers.CreateLogger<HypervisorEndpointService>();
    private HypervisorServer? _server;
    private IAsyncDisposable? _backend;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var agent = options.Value;
        var settings = agent.Hypervisor;
        if (settings.Backend == HypervisorBackendKind.None)
        {
            return;
        }

        var token = (await File.ReadAllTextAsync(settings.TokenFile!, cancellationToken)).Trim();
        var peerToken = settings.PeerTokenFile is null ? null : (await File.ReadAllTextAsync(settings.PeerTokenFile, cancellationToken)).Trim();
        var power = new HostPower(settings.Power, _http, loggers.CreateLogger<HostPower>(), agent.ProcPath);
        var peers = new PeerClient(_http, settings.Peers, peerToken);
        (IHypervisorHost Host, IMigrationPeer Peer, string Version) backend;
        if (settings.Backend == HypervisorBackendKind.Qemu)
        {
            settings.Qemu.HostId = agent.HostId;
            settings.Qemu.ProcPath = agent.ProcPath;
            var qemu = await QemuHost.StartAsync(settings.Qemu, power, peers, loggers.CreateLogger<QemuHost>(), time, cancellationToken);
            _backend = qemu;
            backend = (qemu, qemu, qemu.QemuVersion.ToString());
        }
        else
        {
            settings.Libvirt.HostId = agent.HostId;
            settings.Libvirt.ProcPath = agent.ProcPath;
            var libvirt = await LibvirtHost.StartAsync(settings.Libvirt, power, peers, loggers.CreateLogger<LibvirtHost>(), time);
            _backend = libvirt;
            backend = (libvirt, libvirt, libvirt.HypervisorVersion);
        }

        _server = await HypervisorServer.StartAsync(
            new HypervisorServerOptions { ListenAddress = settings.ListenAddress, Port = settings.Port, HostToken = token, PeerToken = peerToken },
            backend.Host, backend.Peer, power, loggers, cancellationToken);
        LogServing(_log, agent.HostId, settings.Backend, backend.Version, _server.BaseAddress, settings.Peers.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
            _backend = null;
        }

        _http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hypervisor endpoint for {HostId}: {Backend} (version {Version}) at {Address}, {Peers} peer(s)")]
    private static partial void LogServing(ILogger logger, string hostId, HypervisorBackendKind backend, string version, Uri address, int peers);
}
