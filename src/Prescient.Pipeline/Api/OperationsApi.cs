using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Api.Auth;
using Prescient.Pipeline.Api.DeadLetters;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Api.Settings;
using static Prescient.Pipeline.Api.ApiQuery;

namespace Prescient.Pipeline.Api;

/// <summary>
/// The operations API under <c>/api</c>: hosts, settings, decisions, migrations and dead letters (docs/api.md, docs/api.openapi.json), host-agnostic: the Functions app and
/// the local host turn their HTTP requests into <see cref="ApiRequest"/> and write back the <see cref="ApiResponse"/>.
/// Every request passes the <see cref="IApiAuthorizer"/> first; a refused request changes nothing.
/// </summary>
public sealed partial class OperationsApi(
    IApiAuthorizer authorizer,
    IHostReadModel hosts,
    SettingsHandler settings,
    IDecisionLog decisions,
    IMigrationHistory migrations,
    DeadLettersHandler deadLetters,
    TimeProvider time,
    ILogger<OperationsApi> logger)
{
    public const int DefaultLimit = ApiQuery.DefaultLimit;
    public const int MaxLimit = ApiQuery.MaxLimit;
    public static readonly TimeSpan DefaultSeriesRange = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxSeriesRange = TimeSpan.FromDays(31);

    /// <summary>Every route and method the API answers (the OpenAPI document lists exactly these).</summary>
    public static IReadOnlyList<(string Method, string Template)> Routes { get; } =
    [
        ("GET", "/hosts"),
        ("GET", "/hosts/{id}"),
        ("GET", "/hosts/{id}/series"),
        ("GET", "/settings"),
        ("GET", "/settings/effective"),
        ("GET", "/settings/audit"),
        ("GET", "/settings/{scope}"),
        ("PUT", "/settings/{scope}"),
        ("DELETE", "/settings/{scope}"),
        ("GET", "/decisions"),
        ("GET", "/decisions/dry-run"),
        ("PUT", "/decisions/dry-run"),
        ("GET", "/migrations"),
        ("DELETE", "/migrations"),
        ("GET", "/migrations/{id}"),
        ("POST", "/migrations/{id}/cancel"),
        ("GET", "/deadletters"),
        ("GET", "/deadletters/{id}"),
    ];

    /// <summary>Every answer carries the pipeline's clock (simulated when run locally) in this header, in ISO 8601.</summary>
    public const string ClockHeader = "X-Prescient-Clock";

    public async Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var response = await RouteAsync(request, cancellationToken);
        var headers = new Dictionary<string, string>(response.Headers, StringComparer.OrdinalIgnoreCase)
        {
            [ClockHeader] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        return response with { Headers = headers };
    }

    private async Task<ApiResponse> RouteAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var auth = await authorizer.AuthorizeAsync(request, cancellationToken);
        if (!auth.Allowed)
        {
            LogRefused(request.Method, request.Path, auth.Reason);
            return ApiResponse.Unauthorized(auth.Reason ?? "Credentials are required.");
        }

        if (!request.Body.IsEmpty && ApiJson.DescribeContentTypeProblem(request.Header("Content-Type")) is { } contentType)
        {
            return ApiResponse.Error(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", contentType);
        }

        var actor = auth.Actor ?? "unknown";
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return (segments, request.Method) switch
            {
                (["hosts"], "GET") => ApiResponse.Ok(await hosts.ListAsync(cancellationToken)),
                (["hosts", var id], "GET") => await GetHostAsync(id, cancellationToken),
                (["hosts", var id, "series"], "GET") => await GetSeriesAsync(request, id, cancellationToken),
                (["hosts"] or ["hosts", _] or ["hosts", _, "series"], _) => MethodNotAllowed(request, "GET"),

                (["settings"], "GET") => await settings.GetDocumentAsync(cancellationToken),
                (["settings"], _) => MethodNotAllowed(request, "GET"),
                (["settings", "audit"], "GET") => await GetAuditAsync(request, cancellationToken),
                (["settings", "audit"], _) => MethodNotAllowed(request, "GET"),
                (["settings", "effective"], "GET") => await settings.GetEffectiveAsync(request, cancellationToken),
                (["settings", "effective"], _) => MethodNotAllowed(request, "GET"),
                (["settings", ..], _) => await SettingsScopeAsync(request, segments[1..], actor, cancellationToken),

                (["decisions"], "GET") => await GetDecisionsAsync(request, cancellationToken),
                (["decisions"], _) => MethodNotAllowed(request, "GET"),
                (["decisions", "dry-run"], "GET") => await settings.GetDryRunAsync(cancellationToken),
                (["decisions", "dry-run"], "PUT") => await settings.SetDryRunAsync(request, actor, cancellationToken),
                (["decisions", "dry-run"], _) => MethodNotAllowed(request, "GET, PUT"),

                (["migrations"], "GET") => await ListMigrationsAsync(request, cancellationToken),
                (["migrations"], "DELETE") => await PurgeMigrationsAsync(request, actor, cancellationToken),
                (["migrations"], _) => MethodNotAllowed(request, "GET, DELETE"),
                (["migrations", var id], "GET") => await GetMigrationAsync(id, cancellationToken),
                (["migrations", _], _) => MethodNotAllowed(request, "GET"),
                (["migrations", var id, "cancel"], "POST") => await CancelMigrationAsync(request, id, actor, cancellationToken),
                (["migrations", _, "cancel"], _) => MethodNotAllowed(request, "POST"),

                (["deadletters"], "GET") => await deadLetters.ListAsync(request, cancellationToken),
                (["deadletters", var id], "GET") => await deadLetters.GetAsync(id, cancellationToken),
                (["deadletters"] or ["deadletters", _], _) => MethodNotAllowed(request, "GET"),

                _ => ApiResponse.NotFound($"No route /api{request.Path}; see docs/api.md for the routes."),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            LogFailed(exception, request.Method, request.Path);
            return ApiResponse.Error(HttpStatusCode.InternalServerError, "internal-error",
                "The request failed on the server; nothing was changed unless the response said so. See the logs for details.");
        }
    }

    private static ApiResponse MethodNotAllowed(ApiRequest request, string allowed) =>
        ApiResponse.MethodNotAllowed(request.Method, request.Path, allowed) with
        {
            Headers = new Dictionary<string, string> { ["Allow"] = allowed },
        };

    // ---- hosts ----

    private async Task<ApiResponse> GetHostAsync(string id, CancellationToken cancellationToken) =>
        await hosts.GetAsync(id, cancellationToken) is { } host
            ? ApiResponse.Ok(host)
            : ApiResponse.NotFound($"Host '{id}' is not known.");

    private async Task<ApiResponse> GetSeriesAsync(ApiRequest request, string id, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var to = ParseTime(request, "to", errors) ?? time.GetUtcNow();
        var from = ParseTime(request, "from", errors) ?? to - DefaultSeriesRange;
        if (errors.Count == 0 && from >= to)
        {
            errors.Add($"from ({from:O}) must be before to ({to:O}).");
        }

        if (errors.Count == 0 && to - from > MaxSeriesRange)
        {
            errors.Add($"The range from {from:O} to {to:O} is longer than {MaxSeriesRange.TotalDays} days; ask for a shorter one.");
        }

        if (errors.Count > 0)
        {
            return ApiResponse.BadRequest("The series range is not valid.", errors);
        }

        return await hosts.GetSeriesAsync(id, from, to, cancellationToken) is { } series
            ? ApiResponse.Ok(series)
            : ApiResponse.NotFound($"Host '{id}' is not known.");
    }

    // ---- settings ----

    private async Task<ApiResponse> SettingsScopeAsync(ApiRequest request, string[] scopeSegments, string actor, CancellationToken cancellationToken)
    {
        var scope = SettingsHandler.ParseScope(scopeSegments, out var problem);
        if (scope is null)
        {
            return problem is null
                ? ApiResponse.NotFound($"No settings scope /api{request.Path}; scopes: {string.Join(", ", SettingsHandler.ScopeRoutes.Select(r => "/api/settings/" + r))}.")
                : ApiResponse.BadRequest(problem + " Nothing was changed.");
        }

        if (scope.Problem() is { } shape)
        {
            return ApiResponse.BadRequest(shape + " Nothing was changed.");
        }

        return request.Method switch
        {
            "GET" => await settings.GetScopeAsync(scope, cancellationToken),
            "PUT" => await settings.ChangeScopeAsync(scope, request, actor, remove: false, cancellationToken),
            "DELETE" => await settings.ChangeScopeAsync(scope, request, actor, remove: true, cancellationToken),
            _ => MethodNotAllowed(request, "GET, PUT, DELETE"),
        };
    }

    private async Task<ApiResponse> GetAuditAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var limit = ParseLimit(request, errors);
        return errors.Count > 0
            ? ApiResponse.BadRequest("The query is not valid.", errors)
            : await settings.GetAuditAsync(limit, cancellationToken);
    }

    // ---- decisions ----

    private async Task<ApiResponse> GetDecisionsAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var limit = ParseLimit(request, errors);
        var since = ParseTime(request, "since", errors);
        if (errors.Count > 0)
        {
            return ApiResponse.BadRequest("The query is not valid.", errors);
        }

        var recent = await decisions.RecentAsync(request.QueryValue("host"), since, limit, cancellationToken);
        return ApiResponse.Ok(new DecisionsResponse(await settings.IsDryRunAsync(cancellationToken), recent));
    }

    // ---- migrations ----

    private async Task<ApiResponse> ListMigrationsAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var filter = new MigrationFilter(
            request.QueryValue("host"),
            request.QueryValue("vm"),
            ParseEnum<MigrationStatus>(request, "status", errors),
            ParseEnum<MigrationKind>(request, "kind", errors),
            ParseTime(request, "from", errors),
            ParseTime(request, "to", errors),
            ParseLimit(request, errors));
        if (filter.From is { } from && filter.To is { } to && from >= to)
        {
            errors.Add($"from ({from:O}) must be before to ({to:O}).");
        }

        return errors.Count > 0
            ? ApiResponse.BadRequest("The query is not valid.", errors)
            : ApiResponse.Ok(await migrations.ListAsync(filter, cancellationToken));
    }

    private async Task<ApiResponse> GetMigrationAsync(string id, CancellationToken cancellationToken) =>
        await migrations.GetAsync(id, cancellationToken) is { } migration
            ? ApiResponse.Ok(migration)
            : ApiResponse.NotFound($"Migration '{id}' is not known (or its history was purged).");

    private async Task<ApiResponse> CancelMigrationAsync(ApiRequest request, string id, string actor, CancellationToken cancellationToken)
    {
        var reason = "cancelled by an operator";
        if (!request.Body.IsEmpty)
        {
            if (!ApiJson.TryRead<CancelRequest>(request.Body, out var body, out var readError))
            {
                return ApiResponse.BadRequest(readError!);
            }

            reason = string.IsNullOrWhiteSpace(body!.Reason) ? reason : body.Reason.Trim();
        }

        var outcome = await migrations.CancelAsync(id, reason, actor, cancellationToken);
        LogCancel(actor, id, outcome);
        return outcome switch
        {
            CancelOutcome.Cancelled or CancelOutcome.CancelRequested => ApiResponse.Accepted(new CancelResponse(id, outcome, reason)),
            CancelOutcome.NotFound => ApiResponse.NotFound($"Migration '{id}' is not known."),
            _ => ApiResponse.Error(HttpStatusCode.Conflict, "not-cancellable",
                $"Migration '{id}' has reached resume-started (it commits on the destination), is ending, or has finished; it was not cancelled. A running migration aborts by itself on faults and leaves the VM on exactly one host."),
        };
    }

    private async Task<ApiResponse> PurgeMigrationsAsync(ApiRequest request, string actor, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var before = ParseTime(request, "completedBefore", errors);
        if (before is null && errors.Count == 0)
        {
            errors.Add("completedBefore is required: the history of migrations that finished before this time (ISO 8601) is deleted.");
        }

        if (before is { } b && b > time.GetUtcNow())
        {
            errors.Add($"completedBefore ({b:O}) is in the future; only finished history can be purged.");
        }

        if (errors.Count > 0)
        {
            return ApiResponse.BadRequest("The purge request is not valid; nothing was deleted.", errors);
        }

        var purged = await migrations.PurgeAsync(before!.Value, cancellationToken);
        LogPurged(actor, purged, before.Value);
        return ApiResponse.Ok(new PurgeResponse(purged, before.Value));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} /api{Path}: {Reason}")]
    private partial void LogRefused(string method, string path, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} /api{Path} failed")]
    private partial void LogFailed(Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Settings changed by {Actor}: {Count} settings")]
    private partial void LogSettingsChanged(string actor, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cancel of migration {MigrationId} by {Actor}: {Outcome}")]
    private partial void LogCancel(string actor, string migrationId, CancelOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Actor} purged {Count} migrations completed before {Before}")]
    private partial void LogPurged(string actor, int count, DateTimeOffset before);
}

/// <summary>GET /api/decisions.</summary>
public sealed record DecisionsResponse(bool DryRun, IReadOnlyList<DecisionRecord> Decisions);

/// <summary>POST /api/migrations/{id}/cancel body (optional).</summary>
public sealed record CancelRequest(string? Reason);

/// <summary>POST /api/migrations/{id}/cancel answer.</summary>
public sealed record CancelResponse(string MigrationId, CancelOutcome Outcome, string Reason);

/// <summary>DELETE /api/migrations answer.</summary>
public sealed record PurgeResponse(int Purged, DateTimeOffset CompletedBefore);
