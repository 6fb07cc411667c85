using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Prescient.Functions.Durable;
using Prescient.Pipeline.Api;

namespace Prescient.Functions.Http;

/// <summary>
/// The operations API, one function per route group (docs/api.md). Each passes the request to the host-agnostic
/// <see cref="OperationsApi"/>. Function keys protect them in Azure (or Entra ID in front); the API's own
/// authoriser checks again in the worker.
/// </summary>
public sealed class ApiFunctions(OperationsApi api)
{
    [Function("ApiHosts")]
    public Task<IActionResult> HostsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "hosts/{id?}/{part?}")] HttpRequest request,
        CancellationToken cancellationToken) => AspNetCoreApiBridge.HandleAsync(api, request, cancellationToken);

    /// <summary>Scopes are up to four segments deep (<c>hosts/{hostId}/days/{category}</c>): a catch-all route.</summary>
    [Function("ApiSettings")]
    public Task<IActionResult> SettingsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "put", "delete", Route = "settings/{*scope}")] HttpRequest request,
        CancellationToken cancellationToken) => AspNetCoreApiBridge.HandleAsync(api, request, cancellationToken);

    [Function("ApiDecisions")]
    public Task<IActionResult> DecisionsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "put", Route = "decisions/{part?}")] HttpRequest request,
        CancellationToken cancellationToken) => AspNetCoreApiBridge.HandleAsync(api, request, cancellationToken);

    [Function("ApiDeadLetters")]
    public Task<IActionResult> DeadLettersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "deadletters/{id?}")] HttpRequest request,
        CancellationToken cancellationToken) => AspNetCoreApiBridge.HandleAsync(api, request, cancellationToken);

    /// <summary>Cancel and purge go through the durable client of this invocation.</summary>
    [Function("ApiMigrations")]
    public async Task<IActionResult> MigrationsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "delete", Route = "migrations/{id?}/{action?}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        using var scope = DurableClientScope.Use(client);
        return await AspNetCoreApiBridge.HandleAsync(api, request, cancellationToken);
    }
}
