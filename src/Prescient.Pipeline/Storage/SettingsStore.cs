using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Settings;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>Which settings a row holds.</summary>
public enum SettingsScopeKind
{
    /// <summary>Every host, all days (<see cref="HostSettingsPatch"/>).</summary>
    Global,

    /// <summary>Every host on days of one category (<see cref="HostSettingsPatch"/>).</summary>
    GlobalDayCategory,

    /// <summary>One host, all days (<see cref="HostSettingsPatch"/>).</summary>
    Host,

    /// <summary>One host on days of one category (<see cref="HostSettingsPatch"/>).</summary>
    HostDayCategory,

    /// <summary>A move-together group (<see cref="GroupSettingsPatch"/>).</summary>
    Group,

    /// <summary>One VM (<see cref="VmSettingsPatch"/>).</summary>
    Vm,

    /// <summary>Day categories: mode, custom map, holidays (<see cref="CalendarSettings"/>).</summary>
    Calendar,
}

/// <summary>A settings scope: the kind, plus the host/group/VM id and the day category where the kind needs them.</summary>
public sealed record SettingsScope(SettingsScopeKind Kind, string? Id = null, int? DayCategory = null)
{
    public static SettingsScope Global { get; } = new(SettingsScopeKind.Global);

    public static SettingsScope Calendar { get; } = new(SettingsScopeKind.Calendar);

    public static SettingsScope ForHost(string hostId) => new(SettingsScopeKind.Host, hostId);

    public string RowKey => Kind switch
    {
        SettingsScopeKind.Global => "global",
        SettingsScopeKind.GlobalDayCategory => "global@day" + Day,
        SettingsScopeKind.Host => "host:" + TableKeys.Escape(Id!),
        SettingsScopeKind.HostDayCategory => "host:" + TableKeys.Escape(Id!) + "@day" + Day,
        SettingsScopeKind.Group => "group:" + TableKeys.Escape(Id!),
        SettingsScopeKind.Vm => "vm:" + TableKeys.Escape(Id!),
        SettingsScopeKind.Calendar => "calendar",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown settings scope."),
    };

    private string Day => DayCategory!.Value.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the scope's id names: <c>host</c>, <c>VM</c>, <c>group</c> (null for the global and calendar scopes).</summary>
    public string? SubjectName => Kind switch
    {
        SettingsScopeKind.Host or SettingsScopeKind.HostDayCategory => "host",
        SettingsScopeKind.Vm => "VM",
        SettingsScopeKind.Group => "group",
        _ => null,
    };

    /// <summary>What is wrong with this scope's shape (a missing id or day category), or null.</summary>
    public string? Problem() => Kind switch
    {
        _ when !Enum.IsDefined(Kind) => $"The settings scope '{(int)Kind}' is unknown.",
        SettingsScopeKind.Host or SettingsScopeKind.HostDayCategory or SettingsScopeKind.Group or SettingsScopeKind.Vm when string.IsNullOrWhiteSpace(Id) =>
            $"A {Kind} scope needs an id.",
        SettingsScopeKind.Host or SettingsScopeKind.HostDayCategory or SettingsScopeKind.Group or SettingsScopeKind.Vm when EntityIds.Describe(Id) is { } bad =>
            $"{EntityIds.Quote(Id)} is not a valid {SubjectName} id: it {bad}",
        SettingsScopeKind.GlobalDayCategory or SettingsScopeKind.HostDayCategory when DayCategory is null =>
            $"A {Kind} scope needs a day category.",
        SettingsScopeKind.Global or SettingsScopeKind.Calendar when Id is not null || DayCategory is not null =>
            $"The {Kind} scope takes no id or day category.",
        _ => null,
    };
}

/// <summary>Day category settings (the calendar scope).</summary>
public sealed record CalendarSettings
{
    public DayCategoryMode DayCategoryMode { get; init; } = DayCategoryMode.WeekdayWeekend;

    public IReadOnlyDictionary<DayOfWeek, int>? CustomDayCategories { get; init; }

    public IReadOnlyList<DateOnly>? Holidays { get; init; }

    public int? HolidayCategory { get; init; }
}

public enum SettingsWriteStatus
{
    /// <summary>Stored; <see cref="SettingsWriteResult.Version"/> is the document's new version.</summary>
    Saved,

    /// <summary>Refused: the settings are invalid (<see cref="SettingsWriteResult.Errors"/> says why). Nothing changed.</summary>
    Invalid,

    /// <summary>Refused: the document changed since the version given (reload and retry). Nothing changed.</summary>
    Conflict,
}

public sealed record SettingsWriteResult(SettingsWriteStatus Status, ETag? Version, IReadOnlyList<string> Errors);

/// <summary>
/// Settings in one table partition: a row per scope (its JSON), a version row, and the audit trail. Every write
/// validates the whole resulting document (Core's rules, clear messages naming the scope) and commits the scope row
/// together with the version row, and with its audit row when the caller audits it, in one entity-group transaction
/// conditional on the version's ETag: concurrent edits of any scopes cannot combine into a document nobody validated,
/// and no change is saved without its audit record (nor an audit record without its change). Callers pass the version
/// they read (optimistic concurrency) or null to write on top of whatever is current. Audit rows accumulate forever
/// in their own RowKey range (<see cref="SettingsAuditRows"/>), which the scope reads never touch.
/// </summary>
public sealed class SettingsStore(TableClient table, TimeProvider timeProvider)
{
    public const string Partition = "settings";

    /// <summary>The ETag text of "nothing saved yet" (no version row).</summary>
    public const string InitialETagText = "\"initial\"";

    private const string VersionRow = "~version";

    public TableClient Table { get; } = table;

    /// <summary>The text form of a version, as the API and the audit trail show it.</summary>
    public static string VersionText(ETag version) => version == default ? InitialETagText : version.ToString();

    public async Task<(SettingsDocument Document, ETag Version)> GetAsync(CancellationToken cancellationToken)
    {
        var (rows, version, _) = await ReadAsync(cancellationToken);
        return (Assemble(rows), version);
    }

    /// <summary>The JSON stored for one scope, or null when it has none.</summary>
    public async Task<string?> GetScopeJsonAsync(SettingsScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, scope.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value?.GetString("Json") : null;
    }

    /// <summary>Replaces one scope's settings with <paramref name="json"/> (the scope's patch type as JSON), unaudited.</summary>
    public Task<SettingsWriteResult> SetAsync(SettingsScope scope, string json, ETag? expectedVersion, CancellationToken cancellationToken) =>
        SetAsync(scope, json, expectedVersion, audit: null, cancellationToken);

    /// <summary>
    /// Replaces one scope's settings with <paramref name="json"/> (the scope's patch type as JSON). When
    /// <paramref name="audit"/> is given, it is called with the validated change just before the commit and its
    /// record is committed in the same transaction (a refused or failed write records nothing).
    /// </summary>
    public async Task<SettingsWriteResult> SetAsync(
        SettingsScope scope, string json, ETag? expectedVersion, Func<SettingsChange, SettingsAuditDraft>? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Problem() is { } problem)
        {
            return Invalid(problem);
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            return Invalid($"The settings of scope {scope.RowKey} are empty; send a JSON object ({{}} sets nothing).");
        }

        string canonical;
        try
        {
            canonical = SettingsInputJson.Canonicalise(scope.Kind, json);
        }
        catch (JsonException exception)
        {
            return Invalid($"The settings of scope {scope.RowKey} are not valid JSON of the expected shape{(exception.Path is null ? string.Empty : " at " + exception.Path)}: {exception.Message}");
        }

        return await WriteAsync(scope, canonical, expectedVersion, audit, cancellationToken);
    }

    /// <summary>Typed form of <see cref="SetAsync(SettingsScope, string, ETag?, CancellationToken)"/> for host scopes.</summary>
    public Task<SettingsWriteResult> SetAsync(SettingsScope scope, HostSettingsPatch patch, ETag? expectedVersion, CancellationToken cancellationToken) =>
        SetAsync(scope, JsonSerializer.Serialize(patch, SettingsJsonContext.Default.HostSettingsPatch), expectedVersion, cancellationToken);

    /// <summary>Removes a scope's settings (it inherits again), unaudited.</summary>
    public Task<SettingsWriteResult> RemoveAsync(SettingsScope scope, ETag? expectedVersion, CancellationToken cancellationToken) =>
        RemoveAsync(scope, expectedVersion, audit: null, cancellationToken);

    /// <summary>Removes a scope's settings (it inherits again); <paramref name="audit"/> as for <c>SetAsync</c>.</summary>
    public async Task<SettingsWriteResult> RemoveAsync(
        SettingsScope scope, ETag? expectedVersion, Func<SettingsChange, SettingsAuditDraft>? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Problem() is { } problem ? Invalid(problem) : await WriteAsync(scope, null, expectedVersion, audit, cancellationToken);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> audit records, newest first: one RowKey range query over the audit rows
    /// (the scope rows and the version row are outside it).
    /// </summary>
    public async Task<IReadOnlyList<SettingsAuditEntry>> RecentAuditAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Partition} and RowKey ge {SettingsAuditRows.Prefix} and RowKey lt {SettingsAuditRows.RangeEnd}");
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken))
        {
            rows.Add(row);
            if (rows.Count >= limit)
            {
                break;
            }
        }

        TableEntity? versionRow = null;
        if (rows.Count > 0 && string.IsNullOrEmpty(rows[0].GetString("NewETag")))
        {
            var response = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, VersionRow, cancellationToken: cancellationToken);
            versionRow = response.HasValue ? response.Value : null;
        }

        return SettingsAuditRows.Complete(rows, versionRow, VersionText);
    }

    private async Task<SettingsWriteResult> WriteAsync(
        SettingsScope scope, string? json, ETag? expectedVersion, Func<SettingsChange, SettingsAuditDraft>? audit, CancellationToken cancellationToken)
    {
        var (rows, version, lastAudit) = await ReadAsync(cancellationToken);
        var previousJson = rows.TryGetValue(scope.RowKey, out var previous) ? previous.Json : null;
        if (expectedVersion is { } expected && expected != version)
        {
            return new SettingsWriteResult(SettingsWriteStatus.Conflict, version, ["The settings changed since they were read; reload them and apply the change again."]);
        }

        if (json is null)
        {
            rows.Remove(scope.RowKey);
        }
        else
        {
            rows[scope.RowKey] = (scope, json);
        }

        IReadOnlyList<string> errors;
        try
        {
            errors = Assemble(rows).Validate();
        }
        catch (JsonException exception)
        {
            errors = [exception.Message];
        }

        if (errors.Count > 0)
        {
            return new SettingsWriteResult(SettingsWriteStatus.Invalid, version, errors);
        }

        var now = timeProvider.GetUtcNow();
        var draft = audit?.Invoke(new SettingsChange(scope, previousJson, json));
        var auditRow = draft is null ? null : SettingsAuditRows.NewRowKey(now, lastAudit);
        var versionEntity = new TableEntity(Partition, VersionRow)
        {
            ["UpdatedAt"] = now,
            ["LastScope"] = scope.RowKey,
            [SettingsAuditRows.LastAuditProperty] = auditRow,
        };
        var actions = new List<TableTransactionAction>
        {
            version == default
                ? new TableTransactionAction(TableTransactionActionType.Add, versionEntity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, versionEntity, version),
            json is null
                ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, scope.RowKey), ETag.All)
                : new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, scope.RowKey)
                {
                    ["Kind"] = scope.Kind.ToString(),
                    ["Id"] = scope.Id,
                    ["DayCategory"] = scope.DayCategory,
                    ["Json"] = json,
                    ["UpdatedAt"] = now,
                }),
        };
        if (json is null && previousJson is null)
        {
            // Nothing to delete (the read above saw every scope row; a row added since changed the version).
            actions.RemoveAt(1);
        }

        if (draft is not null)
        {
            actions.Add(new TableTransactionAction(
                TableTransactionActionType.Add,
                SettingsAuditRows.ToEntity(Partition, auditRow!, now, draft, VersionText(version), lastAudit)));
        }

        ETag? saved;
        try
        {
            var response = await Table.SubmitTransactionAsync(actions, cancellationToken);
            saved = response.Value[0].Headers.ETag;
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return new SettingsWriteResult(SettingsWriteStatus.Conflict, null, ["The settings changed while this change was being saved; reload them and apply the change again."]);
        }

        if (auditRow is not null && saved is { } newVersion)
        {
            await RecordNewVersionAsync(auditRow, newVersion);
        }

        return new SettingsWriteResult(SettingsWriteStatus.Saved, saved, []);
    }

    /// <summary>
    /// Stamps the committed version on the audit row. The change and its record are already committed; if this
    /// follow-up fails, <see cref="RecentAuditAsync"/> derives the version from the next change or the version row,
    /// so the failure is not the caller's (whose change was saved).
    /// </summary>
    private async Task RecordNewVersionAsync(string auditRow, ETag newVersion)
    {
        try
        {
            await Table.UpdateEntityAsync(
                new TableEntity(Partition, auditRow) { ["NewETag"] = VersionText(newVersion) }, ETag.All, TableUpdateMode.Merge, CancellationToken.None);
        }
        catch (RequestFailedException)
        {
            // Derived on read (see above).
        }
    }

    /// <summary>The scope rows and the version row: one RowKey range above the audit rows (never read here).</summary>
    private async Task<(Dictionary<string, (SettingsScope Scope, string Json)> Rows, ETag Version, string? LastAudit)> ReadAsync(CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, (SettingsScope, string)>(StringComparer.Ordinal);
        var version = default(ETag);
        string? lastAudit = null;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {SettingsAuditRows.RangeEnd}");
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (e.RowKey == VersionRow)
            {
                version = e.ETag;
                lastAudit = e.GetString(SettingsAuditRows.LastAuditProperty);
                continue;
            }

            var kind = Enum.Parse<SettingsScopeKind>(e.GetString("Kind") ?? nameof(SettingsScopeKind.Global));
            rows[e.RowKey] = (new SettingsScope(kind, e.GetString("Id"), e.GetInt32("DayCategory")), e.GetString("Json") ?? "{}");
        }

        return (rows, version, lastAudit);
    }

    private static SettingsDocument Assemble(Dictionary<string, (SettingsScope Scope, string Json)> rows)
    {
        var global = new HostSettingsPatch();
        var globalByDay = new Dictionary<int, HostSettingsPatch>();
        var hosts = new Dictionary<string, HostSettingsPatch>(StringComparer.Ordinal);
        var hostsByDay = new Dictionary<string, Dictionary<int, HostSettingsPatch>>(StringComparer.Ordinal);
        var groups = new Dictionary<string, GroupSettingsPatch>(StringComparer.Ordinal);
        var vms = new Dictionary<string, VmSettingsPatch>(StringComparer.Ordinal);
        var calendar = new CalendarSettings();
        foreach (var (scope, json) in rows.Values)
        {
            HostSettingsPatch HostPatch() => JsonSerializer.Deserialize(json, SettingsJsonContext.Default.HostSettingsPatch) ?? new HostSettingsPatch();
            switch (scope.Kind)
            {
                case SettingsScopeKind.Global:
                    global = HostPatch();
                    break;
                case SettingsScopeKind.GlobalDayCategory:
                    globalByDay[scope.DayCategory!.Value] = HostPatch();
                    break;
                case SettingsScopeKind.Host:
                    hosts[scope.Id!] = HostPatch();
                    break;
                case SettingsScopeKind.HostDayCategory:
                    if (!hostsByDay.TryGetValue(scope.Id!, out var byDay))
                    {
                        byDay = [];
                        hostsByDay.Add(scope.Id!, byDay);
                    }

                    byDay[scope.DayCategory!.Value] = HostPatch();
                    break;
                case SettingsScopeKind.Group:
                    groups[scope.Id!] = JsonSerializer.Deserialize(json, SettingsJsonContext.Default.GroupSettingsPatch) ?? new GroupSettingsPatch();
                    break;
                case SettingsScopeKind.Vm:
                    vms[scope.Id!] = JsonSerializer.Deserialize(json, SettingsJsonContext.Default.VmSettingsPatch) ?? new VmSettingsPatch();
                    break;
                case SettingsScopeKind.Calendar:
                    calendar = JsonSerializer.Deserialize(json, SettingsJsonContext.Default.CalendarSettings) ?? new CalendarSettings();
                    break;
            }
        }

        return new SettingsDocument
        {
            Global = global,
            GlobalByDayCategory = globalByDay,
            Hosts = hosts,
            HostsByDayCategory = hostsByDay.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<int, HostSettingsPatch>)kv.Value, StringComparer.Ordinal),
            Groups = groups,
            Vms = vms,
            DayCategoryMode = calendar.DayCategoryMode,
            CustomDayCategories = calendar.CustomDayCategories,
            Holidays = calendar.Holidays,
            HolidayCategory = calendar.HolidayCategory,
        };
    }

    private static SettingsWriteResult Invalid(string error) => new(SettingsWriteStatus.Invalid, null, [error]);
}

/// <summary>JSON of settings: camelCase, enums as strings, unknown properties refused (a typo must not pass silently).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HostSettingsPatch))]
[JsonSerializable(typeof(GroupSettingsPatch))]
[JsonSerializable(typeof(VmSettingsPatch))]
[JsonSerializable(typeof(CalendarSettings))]
public sealed partial class SettingsJsonContext : JsonSerializerContext;
