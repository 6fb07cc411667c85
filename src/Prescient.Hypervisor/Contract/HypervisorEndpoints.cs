using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prescient.Core.Migration;

namespace Prescient.Hypervisor.Contract;

/// <summary>How <see cref="HypervisorEndpoints"/> finds the host a request is for and checks its bearer token.</summary>
public sealed class HypervisorEndpointOptions
{
    /// <summary>The host a request addresses: a route value (a fleet service) or the one host an agent serves.</summary>
    public required Func<HttpContext, string> HostIdOf { get; init; }

    /// <summary>Whether the presented bearer token is this host's own (constant-time comparison).</summary>
    public required Func<string, string, bool> TokenValid { get; init; }

    /// <summary>The host, or null for an unknown host (404 <c>unknown-host</c>).</summary>
    public required Func<string, IHypervisorHost?> Resolve { get; init; }
}

/// <summary>
/// The HTTP routes of the hypervisor contract (docs/hypervisor-api.md) over <see cref="IHypervisorHost"/>: bearer
/// authentication (401 without a token, 403 with another host's), 404 for an unknown host, 400 <c>bad-request</c> for
/// a malformed body or migration id (nothing is changed), and the contract's error body on every non-2xx answer.
/// </summary>
public static partial class HypervisorEndpoints
{
    private const string HostItem = "prescient.hypervisor.host";

    public static RouteGroupBuilder MapHypervisorContract(this IEndpointRouteBuilder routes, string prefix, HypervisorEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(options);
        var group = routes.MapGroup(prefix).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var hostId = options.HostIdOf(http);
            var presented = BearerToken(http.Request);
            if (presented is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Error(401, HypervisorErrorCodes.Unauthenticated, "A bearer token is required.");
            }

            if (!options.TokenValid(hostId, presented))
            {
                return Error(403, HypervisorErrorCodes.Forbidden, $"The token is not valid for host {hostId}.");
            }

            if (options.Resolve(hostId) is not { } host)
            {
                return Error(404, HypervisorErrorCodes.UnknownHost, $"Host {hostId} does not exist.");
            }

            if (http.Request.RouteValues.TryGetValue("migrationId", out var id) && !IsMigrationId(id as string))
            {
                return Error(400, HypervisorErrorCodes.BadRequest, "A migration id is 1-200 letters, digits, '-', '_' or '.'.");
            }

            http.Items[HostItem] = host;
            return await next(context);
        });

        group.MapGet("/status", Handler(http => Answer(http, (h, ct) => h.GetStatusAsync(ct))));
        group.MapPost("/power", Handler(http => WithBody<PowerRequest, PowerResponse>(http, null, (h, body, ct) => h.SetPowerAsync(body.Action, ct))));
        group.MapGet("/migrations/{migrationId}", Handler(http => Answer(http, (h, ct) => h.GetMigrationAsync(MigrationId(http), ct))));
        group.MapPost("/migrations/{migrationId}/prepare", Handler(http =>
            WithBody<PrepareRequest, PrepareResponse>(http, ValidatePrepare, (h, body, ct) => h.PrepareAsync(MigrationId(http), body, ct))));
        group.MapPost("/migrations/{migrationId}/precopy/{round:int}", Handler(http => Round(http) is not { } round
            ? Task.FromResult(BadRound)
            : WithBody<PrecopyRoundRequest, PrecopyRoundStatus>(http, ValidateRound, (h, body, ct) => h.StartRoundAsync(MigrationId(http), round, body, ct))));
        group.MapGet("/migrations/{migrationId}/precopy/{round:int}", Handler(http => Round(http) is not { } round
            ? Task.FromResult(BadRound)
            : Answer(http, (h, ct) => h.GetRoundAsync(MigrationId(http), round, ct))));
        group.MapPost("/migrations/{migrationId}/quiesce", Handler(http =>
            WithBody<QuiesceRequest, QuiesceResponse>(http, null, (h, body, ct) => h.QuiesceAsync(MigrationId(http), body, ct))));
        group.MapPost("/migrations/{migrationId}/resume", Handler(http => Answer(http, (h, ct) => h.ResumeAsync(MigrationId(http), ct))));
        group.MapPost("/migrations/{migrationId}/finish", Handler(http => Answer(http, (h, ct) => h.FinishAsync(MigrationId(http), ct))));
        group.MapPost("/migrations/{migrationId}/abort", Handler(http => Answer(http, (h, ct) => h.AbortAsync(MigrationId(http), ct))));
        return group;
    }

    private static IResult BadRound => Error(400, HypervisorErrorCodes.BadRequest, "Rounds are numbered from 1.");

    /// <summary>A route handler whose returned result is written to the response.</summary>
    public static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    private static string MigrationId(HttpContext http) => (string)http.Request.RouteValues["migrationId"]!;

    private static int? Round(HttpContext http) =>
        int.TryParse(http.Request.RouteValues["round"] as string, System.Globalization.CultureInfo.InvariantCulture, out var round) && round >= 1 ? round : null;

    /// <summary>The bearer token of a request, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    public static bool IsMigrationId(string? id) => id is not null && MigrationIdPattern().IsMatch(id);

    /// <summary>An answer as the contract writes it: the value as JSON, or the error body with its status.</summary>
    public static IResult From<T>(HypervisorResult<T> result) =>
        result.Error is null ? Results.Json(result.Value, HypervisorJson.Options) : new ErrorResult(result.Status, result.Error);

    public static IResult Error(int status, string code, string message, bool retryable = false) =>
        new ErrorResult(status, new HypervisorError(code, message, retryable));

    /// <summary>Reads a JSON body; a missing, malformed or incomplete one is null with the reason.</summary>
    public static async Task<(T? Body, string? Problem)> ReadBodyAsync<T>(HttpRequest request)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(request.Body, HypervisorJson.Options, request.HttpContext.RequestAborted);
            return body is null ? (null, "The body must be a JSON object.") : (body, null);
        }
        catch (JsonException e)
        {
            return (null, $"Malformed body: {e.Message}");
        }
    }

    private static async Task<IResult> Answer<T>(HttpContext http, Func<IHypervisorHost, CancellationToken, Task<HypervisorResult<T>>> call) =>
        From(await call((IHypervisorHost)http.Items[HostItem]!, http.RequestAborted));

    private static async Task<IResult> WithBody<TBody, T>(HttpContext http, Func<TBody, string?>? validate, Func<IHypervisorHost, TBody, CancellationToken, Task<HypervisorResult<T>>> call)
        where TBody : class
    {
        var (body, problem) = await ReadBodyAsync<TBody>(http.Request);
        problem ??= validate?.Invoke(body!);
        if (problem is not null)
        {
            return Error(400, HypervisorErrorCodes.BadRequest, problem);
        }

        return From(await call((IHypervisorHost)http.Items[HostItem]!, body!, http.RequestAborted));
    }

    private static string? ValidatePrepare(PrepareRequest body) =>
        string.IsNullOrWhiteSpace(body.VmId) || string.IsNullOrWhiteSpace(body.SourceHostId) ? "vmId and sourceHostId are required."
        : !(body.MemoryMb >= 0) || double.IsInfinity(body.MemoryMb) || !(body.Cpu >= 0) || double.IsInfinity(body.Cpu) ? "memoryMb and cpu must be finite numbers >= 0."
        : null;

    private static string? ValidateRound(PrecopyRoundRequest body) =>
        string.IsNullOrWhiteSpace(body.VmId) || string.IsNullOrWhiteSpace(body.DestinationHostId) ? "vmId and destinationHostId are required." : null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,200}$")]
    private static partial Regex MigrationIdPattern();

    /// <summary>A non-2xx answer with the contract's error body.</summary>
    public sealed class ErrorResult(int status, HypervisorError error) : IResult
    {
        public int Status { get; } = status;

        public HypervisorError Error { get; } = error;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = Status;
            return httpContext.Response.WriteAsJsonAsync(Error, HypervisorJson.Options);
        }
    }
}
