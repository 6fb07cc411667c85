using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>GET /api/settings: the whole document (Core's <see cref="SettingsDocument"/>), its ETag, and the scope routes.</summary>
public sealed record SettingsResponse(SettingsDocument Document, string ETag, IReadOnlyList<string> Scopes);

/// <summary>GET/PUT/DELETE /api/settings/{scope}: the scope's own settings (absent = inherited) and the document's ETag.</summary>
public sealed record ScopeSettingsResponse(string Scope, JsonElement Settings, string ETag, IReadOnlyList<string> Changes);

/// <summary>GET /api/settings/effective: the settings in force for a host (on a day category) and a VM.</summary>
public sealed record EffectiveSettingsResponse(string? HostId, int? DayCategory, HostSettings? Host, string? VmId, VmSettings? Vm);

/// <summary>GET/PUT /api/decisions/dry-run.</summary>
public sealed record DryRunSetting([property: JsonRequired] bool Enabled);

/// <summary>
/// The settings routes over the pipeline's <see cref="SettingsStore"/> (the store the evaluate job reads): every
/// scope of docs/settings.md readable and changeable, validated by Core's rules over the whole resulting document,
/// conditional on the document's version (ETag), each saved change recorded in the audit trail in the change's own
/// transaction (a change is never saved without its record). Settings are only for hosts, VMs and groups the
/// pipeline knows (<see cref="IHostReadModel"/>: reported hosts and the VMs running on them; groups named by a VM or
/// by a VM's settings), unless the request asks to create them (<c>?create=true</c>), so a typo in an id is an error
/// instead of settings nobody reads.
/// </summary>
public sealed class SettingsHandler(SettingsStore store, ISettingsAuditLog audit, IHostReadModel hosts)
{
    /// <summary>The ETag of "nothing saved yet".</summary>
    public const string InitialETag = SettingsStore.InitialETagText;

    public static IReadOnlyList<string> ScopeRoutes { get; } =
    [
        "global", "global/days/{category}", "hosts/{hostId}", "hosts/{hostId}/days/{category}", "groups/{groupId}", "vms/{vmId}", "calendar",
    ];

    public static string ToETagText(ETag version) => SettingsStore.VersionText(version);

    public async Task<ApiResponse> GetDocumentAsync(CancellationToken cancellationToken)
    {
        var (document, version) = await store.GetAsync(cancellationToken);
        var etag = ToETagText(version);
        return ApiResponse.Ok(new SettingsResponse(document, etag, ScopeRoutes), etag);
    }

    public async Task<ApiResponse> GetScopeAsync(SettingsScope scope, CancellationToken cancellationToken)
    {
        var (_, version) = await store.GetAsync(cancellationToken);
        var json = await store.GetScopeJsonAsync(scope, cancellationToken);
        var etag = ToETagText(version);
        return ApiResponse.Ok(new ScopeSettingsResponse(ScopeName(scope), Element(scope, json), etag, []), etag);
    }

    public async Task<ApiResponse> GetEffectiveAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var hostId = request.QueryValue("host");
        var vmId = request.QueryValue("vm");
        var dayText = request.QueryValue("day");
        int? day = null;
        if (dayText is not null)
        {
            if (!int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return ApiResponse.BadRequest("The query is not valid.", [$"day: '{dayText}' is not a day category number."]);
            }

            day = parsed;
        }

        if (hostId is null && vmId is null)
        {
            return ApiResponse.BadRequest("The query is not valid.", ["Name a host (host=...) and/or a VM (vm=...)."]);
        }

        var (document, _) = await store.GetAsync(cancellationToken);
        try
        {
            return ApiResponse.Ok(new EffectiveSettingsResponse(
                hostId, day, hostId is null ? null : document.ResolveHost(hostId, day), vmId, vmId is null ? null : document.ResolveVm(vmId)));
        }
        catch (SettingsValidationException exception)
        {
            return ApiResponse.BadRequest("The effective settings cannot be resolved.", exception.Errors);
        }
    }

    /// <summary>PUT (json not null) or DELETE (json null) one scope; If-Match is required (<c>*</c> = whatever is current).</summary>
    public async Task<ApiResponse> ChangeScopeAsync(SettingsScope scope, ApiRequest request, string actor, bool remove, CancellationToken cancellationToken)
    {
        var ifMatch = request.Header("If-Match")?.Trim();
        if (string.IsNullOrEmpty(ifMatch))
        {
            return ApiResponse.Error((HttpStatusCode)428, "precondition-required",
                "Send If-Match with the ETag from GET /api/settings (or * to change whatever is current), so a change made meanwhile by someone else is not overwritten.");
        }

        string? json = null;
        if (!remove)
        {
            if (request.Body.IsEmpty)
            {
                return ApiResponse.BadRequest($"The request body is empty; send the {ScopeName(scope)} settings as a JSON object ({{}} inherits everything).");
            }

            json = System.Text.Encoding.UTF8.GetString(request.Body.Span);
            var create = request.QueryValue("create");
            if (create is not (null or "true" or "false"))
            {
                return ApiResponse.BadRequest($"create: '{create}' is not true or false; nothing was changed.");
            }

            if (create != "true" && await UnknownSubjectAsync(scope, cancellationToken) is { } unknown)
            {
                return ApiResponse.BadRequest(unknown);
            }
        }

        return await SaveAsync(scope, json, ParseETag(ifMatch), actor, cancellationToken);
    }

    /// <summary>
    /// Why settings may not be created for the scope's host, VM or group (null when they may): it is not known and
    /// has no stored settings yet.
    /// </summary>
    private async Task<string?> UnknownSubjectAsync(SettingsScope scope, CancellationToken cancellationToken)
    {
        if (scope.Id is not { } id || scope.SubjectName is null || await store.GetScopeJsonAsync(scope, cancellationToken) is not null)
        {
            return null;
        }

        var known = scope.Kind switch
        {
            SettingsScopeKind.Host or SettingsScopeKind.HostDayCategory => await hosts.GetAsync(id, cancellationToken) is not null,
            SettingsScopeKind.Vm => (await RunningVmsAsync(cancellationToken)).Any(v => v.VmId == id),
            _ => (await RunningVmsAsync(cancellationToken)).Any(v => v.GroupId == id)
                || (await store.GetAsync(cancellationToken)).Document.Vms.Values.Any(v => v.GroupId == id),
        };
        if (known)
        {
            return null;
        }

        var subject = char.ToUpperInvariant(scope.SubjectName[0]) + scope.SubjectName[1..];
        var where = scope.Kind switch
        {
            SettingsScopeKind.Vm => "no host reports it running",
            SettingsScopeKind.Group => "no VM and no VM's settings name it",
            _ => "it has not reported telemetry",
        };
        return $"{subject} {EntityIds.Quote(id)} is not known ({where}); nothing was changed. Check the id, or add ?create=true to configure it before it appears.";
    }

    private async Task<IReadOnlyList<HostVm>> RunningVmsAsync(CancellationToken cancellationToken)
    {
        var vms = new List<HostVm>();
        foreach (var host in await hosts.ListAsync(cancellationToken))
        {
            if (await hosts.GetAsync(host.Id, cancellationToken) is { } detail)
            {
                vms.AddRange(detail.Vms);
            }
        }

        return vms;
    }

    /// <summary>Turns dry-run on or off in the global scope; If-Match optional.</summary>
    public async Task<ApiResponse> SetDryRunAsync(ApiRequest request, string actor, CancellationToken cancellationToken)
    {
        if (!ApiJson.TryRead<DryRunSetting>(request.Body, out var body, out var readError))
        {
            return ApiResponse.BadRequest(readError!);
        }

        var ifMatch = request.Header("If-Match")?.Trim();
        var (_, version) = await store.GetAsync(cancellationToken);
        var expected = string.IsNullOrEmpty(ifMatch) ? version : ParseETag(ifMatch) ?? version;
        var current = await store.GetScopeJsonAsync(SettingsScope.Global, cancellationToken);
        var patch = current is null ? new HostSettingsPatch() : JsonSerializer.Deserialize(current, SettingsJsonContext.Default.HostSettingsPatch)!;
        var json = JsonSerializer.Serialize(patch with { DryRun = body!.Enabled }, SettingsJsonContext.Default.HostSettingsPatch);
        var response = await SaveAsync(SettingsScope.Global, json, expected, actor, cancellationToken);
        return response.StatusCode == (int)HttpStatusCode.OK ? ApiResponse.Ok(body, response.ETag) : response;
    }

    public async Task<ApiResponse> GetDryRunAsync(CancellationToken cancellationToken)
    {
        var (document, version) = await store.GetAsync(cancellationToken);
        return ApiResponse.Ok(new DryRunSetting(document.Global.DryRun ?? HostSettings.Default.DryRun), ToETagText(version));
    }

    public async Task<bool> IsDryRunAsync(CancellationToken cancellationToken) =>
        (await store.GetAsync(cancellationToken)).Document.Global.DryRun ?? HostSettings.Default.DryRun;

    public async Task<ApiResponse> GetAuditAsync(int limit, CancellationToken cancellationToken) =>
        ApiResponse.Ok(await audit.RecentAsync(limit, cancellationToken));

    private async Task<ApiResponse> SaveAsync(SettingsScope scope, string? json, ETag? expected, string actor, CancellationToken cancellationToken)
    {
        var name = ScopeName(scope);
        SettingsChange? committed = null;
        IReadOnlyList<string> changes = [];
        SettingsAuditDraft Audit(SettingsChange change)
        {
            committed = change;
            changes = SettingsDiff.Compute(name.Replace('/', '.'), Normalize(scope, change.PreviousJson), Normalize(scope, change.NewJson));
            return new SettingsAuditDraft(actor, name, changes);
        }

        var result = json is null
            ? await store.RemoveAsync(scope, expected, Audit, cancellationToken)
            : await store.SetAsync(scope, json, expected, Audit, cancellationToken);
        switch (result.Status)
        {
            case SettingsWriteStatus.Invalid:
                return ApiResponse.BadRequest(
                    $"The {ScopeName(scope)} settings are not valid ({result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}); nothing was changed.",
                    result.Errors);
            case SettingsWriteStatus.Conflict:
                var (_, now) = await store.GetAsync(cancellationToken);
                var current = ToETagText(now);
                return ApiResponse.Error(HttpStatusCode.Conflict, "stale-etag",
                    "The settings were changed by someone else since you read them; nothing was changed. Read them again (GET /api/settings) and re-apply your change.",
                    [.. result.Errors, $"current ETag: {current}"]) with { ETag = current };
        }

        var etag = ToETagText(result.Version ?? default);
        return ApiResponse.Ok(new ScopeSettingsResponse(name, Element(scope, committed?.NewJson), etag, changes), etag);
    }

    /// <summary>The route form of a scope: <c>hosts/h1/days/1</c>.</summary>
    public static string ScopeName(SettingsScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var day = scope.DayCategory?.ToString(CultureInfo.InvariantCulture);
        return scope.Kind switch
        {
            SettingsScopeKind.Global => "global",
            SettingsScopeKind.GlobalDayCategory => $"global/days/{day}",
            SettingsScopeKind.Host => $"hosts/{scope.Id}",
            SettingsScopeKind.HostDayCategory => $"hosts/{scope.Id}/days/{day}",
            SettingsScopeKind.Group => $"groups/{scope.Id}",
            SettingsScopeKind.Vm => $"vms/{scope.Id}",
            _ => "calendar",
        };
    }

    /// <summary>Parses the route segments after <c>settings/</c> into a scope; null when they name none.</summary>
    public static SettingsScope? ParseScope(IReadOnlyList<string> segments, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(segments);
        problem = null;
        int? Day(string text)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var day))
            {
                return day;
            }

            return null;
        }

        SettingsScope? scope = segments switch
        {
            ["global"] => SettingsScope.Global,
            ["global", "days", var d] when Day(d) is { } day => new SettingsScope(SettingsScopeKind.GlobalDayCategory, null, day),
            ["hosts", var id] => SettingsScope.ForHost(id),
            ["hosts", var id, "days", var d] when Day(d) is { } day => new SettingsScope(SettingsScopeKind.HostDayCategory, id, day),
            ["groups", var id] => new SettingsScope(SettingsScopeKind.Group, id),
            ["vms", var id] => new SettingsScope(SettingsScopeKind.Vm, id),
            ["calendar"] => SettingsScope.Calendar,
            _ => null,
        };
        if (scope is null && segments.Count >= 3 && segments[^2] == "days")
        {
            problem = $"'{segments[^1]}' is not a day category number.";
        }

        return scope;
    }

    private static ETag? ParseETag(string text) => text switch
    {
        "*" => null,
        InitialETag => default(ETag),
        _ => new ETag(text),
    };

    private static JsonElement Element(SettingsScope scope, string? json) =>
        JsonDocument.Parse(Normalize(scope, json) ?? "{}").RootElement.Clone();

    /// <summary>A stored scope's JSON in the API's conventions (camelCase enumeration values).</summary>
    private static string? Normalize(SettingsScope scope, string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        var context = SettingsJsonContext.Default;
        object? value = scope.Kind switch
        {
            SettingsScopeKind.Group => JsonSerializer.Deserialize(json, context.GroupSettingsPatch),
            SettingsScopeKind.Vm => JsonSerializer.Deserialize(json, context.VmSettingsPatch),
            SettingsScopeKind.Calendar => JsonSerializer.Deserialize(json, context.CalendarSettings),
            _ => JsonSerializer.Deserialize(json, context.HostSettingsPatch),
        };
        return value is null ? null : JsonSerializer.Serialize(value, value.GetType(), ApiJson.Options);
    }
}
