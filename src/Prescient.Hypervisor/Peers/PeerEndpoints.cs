using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prescient.Core.Migration;
using Prescient.Hypervisor.Contract;

namespace Prescient.Hypervisor.Peers;

/// <summary>The agent-to-agent routes under <c>/peer</c>, authenticated with the migration domain's peer token.</summary>
public static class PeerEndpoints
{
    public static RouteGroupBuilder MapMigrationPeer(this IEndpointRouteBuilder routes, string peerToken, IMigrationPeer peer)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrWhiteSpace(peerToken);
        var group = routes.MapGroup("/peer").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var presented = HypervisorEndpoints.BearerToken(http.Request);
            if (presented is null || !HostTokens.Matches(peerToken, presented))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return HypervisorEndpoints.Error(401, HypervisorErrorCodes.Unauthenticated, "The migration domain's peer token is required.");
            }

            if (http.Request.RouteValues.TryGetValue("migrationId", out var id) && !HypervisorEndpoints.IsMigrationId(id as string))
            {
                return HypervisorEndpoints.Error(400, HypervisorErrorCodes.BadRequest, "A migration id is 1-200 letters, digits, '-', '_' or '.'.");
            }

            return await next(context);
        });
        group.MapPost("/migrations/{migrationId}/outgoing", HypervisorEndpoints.Handler(async http =>
        {
            var (body, problem) = await HypervisorEndpoints.ReadBodyAsync<OutgoingRequest>(http.Request);
            return body is null
                ? HypervisorEndpoints.Error(400, HypervisorErrorCodes.BadRequest, problem!)
                : HypervisorEndpoints.From(await peer.RegisterOutgoingAsync(Id(http), body, http.RequestAborted));
        }));
        group.MapGet("/migrations/{migrationId}/incoming", HypervisorEndpoints.Handler(async http =>
            HypervisorEndpoints.From(await peer.GetIncomingAsync(Id(http), http.RequestAborted))));
        group.MapPost("/migrations/{migrationId}/incoming/resume", HypervisorEndpoints.Handler(async http =>
        {
            var (body, problem) = await HypervisorEndpoints.ReadBodyAsync<ResumeIncomingRequest>(http.Request);
            return body is null
                ? HypervisorEndpoints.Error(400, HypervisorErrorCodes.BadRequest, problem!)
                : HypervisorEndpoints.From(await peer.ResumeIncomingAsync(Id(http), body, http.RequestAborted));
        }));
        group.MapPost("/migrations/{migrationId}/incoming/drop", HypervisorEndpoints.Handler(async http =>
            HypervisorEndpoints.From(await peer.DropIncomingAsync(Id(http), http.RequestAborted))));
        return group;
    }

    private static string Id(HttpContext http) => (string)http.Request.RouteValues["migrationId"]!;
}
