using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Simulation.FleetService;

/// <summary>
/// The fleet simulator service: an ASP.NET Core app on 127.0.0.1 that serves the hypervisor contract
/// (docs/hypervisor-api.md) for every host of a <see cref="EmulatedFleet"/> under <c>/hosts/{hostId}/</c>, plus
/// <c>/admin/</c> endpoints for fault injection and fleet snapshots. Each host accepts only its own bearer token.
/// </summary>
public sealed class FleetSimulatorService : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly WebApplication _app;

    private FleetSimulatorService(WebApplication app, EmulatedFleet model, Uri baseAddress, FleetServiceOptions options)
    {
        _app = app;
        Model = model;
        BaseAddress = baseAddress;
        Options = options;
    }

    public EmulatedFleet Model { get; }

    /// <summary>The service's root, e.g. http://127.0.0.1:5123/. Host endpoints are under hosts/{hostId}/.</summary>
    public Uri BaseAddress { get; }

    public FleetServiceOptions Options { get; }

    public string TokenFor(string hostId) => HostTokens.Derive(Options.FleetSecret, hostId);

    public static async Task<FleetSimulatorService> StartAsync(
        FleetServiceOptions options,
        IEnumerable<SimHostSpec> hosts,
        IEnumerable<SimVmSpec> vms,
        TimeProvider? wallClock = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), validation, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid fleet service options: " + string.Join("; ", validation.Select(v => v.ErrorMessage)), nameof(options));
        }

        wallClock ??= TimeProvider.System;
        var model = new EmulatedFleet(options, new AcceleratedTimeProvider(wallClock, options.Acceleration), wallClock);
        foreach (var host in hosts)
        {
            model.AddHost(host);
        }

        foreach (var vm in vms)
        {
            model.AddVm(vm);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Logging.ClearProviders();
        // Started and stopped by its caller: a Ctrl-C is the caller's to handle, not this host's.
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton(model);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        var app = builder.Build();
        Map(app, model, options);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FleetSimulatorService(app, model, new Uri(address.TrimEnd('/') + "/"), options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void Map(WebApplication app, EmulatedFleet model, FleetServiceOptions options)
    {
        // Each host accepts only the token derived for it; unknown hosts are 404 (HypervisorEndpoints).
        var hosts = app.MapHypervisorContract("/hosts/{hostId}", new HypervisorEndpointOptions
        {
            HostIdOf = http => (string)http.Request.RouteValues["hostId"]!,
            TokenValid = (hostId, presented) => HostTokens.Matches(HostTokens.Derive(options.FleetSecret, hostId), presented),
            Resolve = hostId => model.HasHost(hostId) ? new EmulatedHost(model, hostId) : null,
        });
        hosts.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var hostId = (string)http.Request.RouteValues["hostId"]!;
            var admission = model.Admit(hostId);
            if (admission.DelayMs > 0)
            {
                await Task.Delay(admission.DelayMs, http.RequestAborted);
            }

            if (admission.Unresponsive)
            {
                // An unresponsive host never answers: hold the call until the caller gives up.
                try
                {
                    await Task.Delay(options.MaxHang, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }

                return Error(504, HypervisorErrorCodes.Unavailable, $"Host {hostId} is not answering.", retryable: true);
            }

            if (admission.Error)
            {
                return Error(503, HypervisorErrorCodes.Unavailable, $"Host {hostId} is temporarily unavailable.", retryable: true);
            }

            var result = await next(context);
            if (result is HypervisorEndpoints.ErrorResult { Error.Code: HypervisorErrorCodes.DestinationUnresponsive })
            {
                // The source waited for the destination's answer before giving up.
                await Task.Delay(options.DestinationReplyTimeout, http.RequestAborted);
            }

            return result;
        });

        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var presented = HypervisorEndpoints.BearerToken(context.HttpContext.Request);
            if (presented is null || !HostTokens.Matches(options.AdminToken, presented))
            {
                return Error(401, HypervisorErrorCodes.Unauthenticated, "The admin bearer token is required.");
            }

            return await next(context);
        });
        admin.MapGet("/fleet", () => Results.Json(model.Snapshot(), Json));
        admin.MapPost("/faults", (FaultSpec body) =>
            model.InjectFault(body) ? Results.NoContent() : Error(404, HypervisorErrorCodes.UnknownHost, $"Host {body.HostId} does not exist."));
        admin.MapDelete("/faults/{hostId}", (string hostId) =>
            model.ClearFaults(hostId) ? Results.NoContent() : Error(404, HypervisorErrorCodes.UnknownHost, $"Host {hostId} does not exist."));
        admin.MapPatch("/vms/{vmId}", (string vmId, VmUpdate body) =>
            model.UpdateVm(vmId, body) ? Results.NoContent() : Error(404, HypervisorErrorCodes.UnknownVm, $"VM {vmId} does not exist."));
    }

    private static IResult Error(int status, string code, string message, bool retryable = false) =>
        HypervisorEndpoints.Error(status, code, message, retryable);
}
