using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;
using Prescient.Hypervisor.Peers;
using Prescient.Hypervisor.Power;

namespace Prescient.Hypervisor;

/// <summary>Where and how one host's endpoint listens.</summary>
public sealed class HypervisorServerOptions
{
    /// <summary>The address to listen on (the management network's address of this host).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port.</summary>
    public int Port { get; set; } = 7080;

    /// <summary>The bearer token Prescient presents for this host (<c>HostTokens.Derive(fleetSecret, hostId)</c> or provisioned).</summary>
    public string HostToken { get; set; } = "";

    /// <summary>The migration domain's token for the agent-to-agent routes (null: this host neither sends nor receives VMs).</summary>
    public string? PeerToken { get; set; }
}

/// <summary>
/// One host's hypervisor endpoint over HTTP: the contract at the root (docs/hypervisor-api.md), <c>POST
/// peers/{hostId}/wake</c> (this agent wakes a sleeping peer for Prescient), and the agent-to-agent <c>/peer</c> routes.
/// </summary>
public sealed class HypervisorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HypervisorServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<HypervisorServer> StartAsync(HypervisorServerOptions options, IHypervisorHost host, IMigrationPeer? peer, HostPower? power, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.HostToken);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.ListenAddress), options.Port));
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers);
        }

        var app = builder.Build();
        var contract = app.MapHypervisorContract("/", new HypervisorEndpointOptions
        {
            HostIdOf = _ => host.HostId,
            TokenValid = (_, presented) => HostTokens.Matches(options.HostToken, presented),
            Resolve = hostId => hostId == host.HostId ? host : null,
        });
        if (power is not null)
        {
            contract.MapPost("/peers/{peerHostId}/wake", HypervisorEndpoints.Handler(async http =>
                HypervisorEndpoints.From(await power.WakePeerAsync((string)http.Request.RouteValues["peerHostId"]!, http.RequestAborted))));
        }

        if (peer is not null && !string.IsNullOrWhiteSpace(options.PeerToken))
        {
            app.MapMigrationPeer(options.PeerToken, peer);
        }

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HypervisorServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
