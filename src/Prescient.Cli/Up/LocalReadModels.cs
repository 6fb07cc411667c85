using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using ApiSettings = Prescient.Pipeline.Api.Settings.SettingsDocument;
using CoreMigration = Prescient.Core.Migration;
using CoreSettings = Prescient.Core.Settings.SettingsDocument;
using StoredDecision = Prescient.Pipeline.Storage.DecisionRecord;

namespace Prescient.Cli.Up;

/// <summary>
/// The operations API's read models over the pipeline's stores, as the local host composes them: hosts (host state
/// table, windows, decisions, models, and each host's hypervisor endpoint for power state and VMs), decisions,
/// migrations (the migrations table the workflows write) and settings (the scoped settings table the evaluator and
/// retrain read). Migration times are the workflows' real times mapped onto the simulated timeline.
/// </summary>
public sealed class LocalReadModels(
    LocalPipeline pipeline,
    DecisionStore decisions,
    ModelStore models,
    IMigrationRecordStore records,
    IHypervisorClient hypervisor,
    SettingsStore settings,
    TableClient migrationsTable) : IHostReadModel, IDecisionLog, IMigrationHistory, ISettingsRepository
{
    private const int MaxDecisionsPerHost = 1000;
    private readonly List<SettingsAuditEntry> _audit = [];

    // ---- hosts ----

    public async Task<IReadOnlyList<HostSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var ids = pipeline.Fleet.HostIds;
        var summaries = new HostSummary[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => summaries[i] = (await DetailAsync(ids[i], ct)).Host);
        return summaries;
    }

    public async Task<HostDetail?> GetAsync(string hostId, CancellationToken cancellationToken) =>
        pipeline.Fleet.HostIds.Contains(hostId, StringComparer.Ordinal) ? await DetailAsync(hostId, cancellationToken) : null;

    private async Task<HostDetail> DetailAsync(string hostId, CancellationToken cancellationToken)
    {
        var state = await pipeline.HostStates.GetAsync(hostId, cancellationToken);
        var last = (await decisions.ListAsync(hostId, 1, cancellationToken)).FirstOrDefault();
        CoreMigration.HostStatus? status = null;
        try
        {
            status = await hypervisor.GetStatusAsync(hostId, cancellationToken);
        }
        catch (Exception e) when (e is HypervisorException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Unknown power state: the host's endpoint did not answer.
        }

        var running = status?.Vms.Where(v => v.State == CoreMigration.VmRunState.Running).ToList() ?? [];
        var vmSettings = (await settings.GetAsync(cancellationToken)).Document;
        var vms = running.Select(v =>
        {
            var s = vmSettings.ResolveVm(v.VmId);
            return new HostVm(v.VmId, s.GroupId ?? v.GroupId, s.Priority, s.AutoMigrate, v.Cpu, v.MemoryMb);
        }).ToList();
        var summary = new HostSummary(
            hostId,
            Enum.TryParse<HostMode>(state?.ControllerMode, ignoreCase: true, out var mode) ? mode : HostMode.Reactive,
            Enum.TryParse<Pipeline.Api.Hosts.NetworkMode>(state?.NetworkMode, ignoreCase: true, out var network) ? network : Pipeline.Api.Hosts.NetworkMode.Training,
            state?.Accuracy,
            status?.PowerState switch
            {
                CoreMigration.PowerState.On => PowerState.On,
                CoreMigration.PowerState.Reduced => PowerState.ReducedPower,
                CoreMigration.PowerState.Waking => PowerState.Waking,
                _ => PowerState.Unknown,
            },
            last?.Decision?.Measured,
            last?.Decision?.Predicted,
            vms.Count,
            last is null ? null : ToApi(last));
        var model = await models.GetCurrentMetadataAsync(hostId, cancellationToken);
        return new HostDetail(summary, vms, model?.TrainedAt ?? state?.AccuracyAt);
    }

    public async Task<HostSeries?> GetSeriesAsync(string hostId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (!pipeline.Fleet.HostIds.Contains(hostId, StringComparer.Ordinal))
        {
            return null;
        }

        var calendar = pipeline.Windows.Calendar;
        var windows = await pipeline.Windows.GetSinceAsync(hostId, from, to, cancellationToken);
        var hostDecisions = (await decisions.ListAsync(hostId, MaxDecisionsPerHost, cancellationToken))
            .Where(d => d.At >= from - calendar.PeriodLength && d.At < to && d.Decision is not null)
            .OrderBy(d => d.At)
            .ToList();
        var byPeriod = hostDecisions.GroupBy(d => calendar.PeriodOf(d.At)).ToDictionary(g => g.Key, g => g.Last());
        var measured = windows.Where(w => w.Count > 0).ToDictionary(w => w.Period, w => w.Mean);
        var global = (await settings.GetAsync(cancellationToken)).Document.ResolveHost(hostId);
        var points = new List<SeriesPoint>();
        var periods = measured.Keys.Concat(byPeriod.Keys).Distinct().OrderBy(p => calendar.StartOf(p)).ToList();
        StoredDecision? inForce = null;
        foreach (var period in periods)
        {
            var start = calendar.StartOf(period);
            if (start < from - calendar.PeriodLength || start >= to)
            {
                continue;
            }

            if (byPeriod.TryGetValue(period, out var decision))
            {
                inForce = decision;
            }

            var d = inForce?.Decision;
            points.Add(new SeriesPoint(
                start,
                measured.TryGetValue(period, out var m) ? m : null,
                byPeriod.TryGetValue(period, out var own) ? own.Decision!.Predicted : null,
                d?.Range.Low ?? global.ReactiveRange.Low,
                d?.Range.High ?? global.ReactiveRange.High,
                d is null ? HostMode.Reactive : Enum.Parse<HostMode>(d.ModeAfter.ToString())));
        }

        var changes = hostDecisions
            .Where(x => x.Decision!.ModeBefore != x.Decision.ModeAfter)
            .Select(x => new ModeChange(x.At, Enum.Parse<HostMode>(x.Decision!.ModeBefore.ToString()), Enum.Parse<HostMode>(x.Decision.ModeAfter.ToString()),
                $"{x.Decision.Transition}: {x.Decision.Reason}"))
            .ToList();
        var migrations = (await records.ListAsync(1000, cancellationToken))
            .Where(r => r.SourceHostId == hostId || r.DestinationHostId == hostId)
            .Select(r => (Record: r, At: pipeline.Clock.ToSimulated(r.StartedAt)))
            .Where(x => x.At >= from && x.At < to)
            .OrderBy(x => x.At)
            .Select(x => new SeriesMigration(
                x.Record.MigrationId,
                x.At,
                x.Record.SourceHostId == hostId ? "out" : "in",
                x.Record.SourceHostId == hostId ? x.Record.DestinationHostId : x.Record.SourceHostId,
                x.Record.VmIds,
                StatusOf(x.Record.Result)))
            .ToList();
        return new HostSeries(hostId, from, to, points, changes, migrations);
    }

    // ---- decisions ----

    public async Task<IReadOnlyList<Pipeline.Api.Decisions.DecisionRecord>> RecentAsync(string? hostId, DateTimeOffset? since, int limit, CancellationToken cancellationToken)
    {
        var hostIds = hostId is null ? pipeline.Fleet.HostIds : [hostId];
        var all = new List<StoredDecision>();
        foreach (var id in hostIds)
        {
            all.AddRange(await decisions.ListAsync(id, limit, cancellationToken));
        }

        return all.Where(d => since is null || d.At >= since).OrderByDescending(d => d.At).ThenBy(d => d.HostId, StringComparer.Ordinal)
            .Take(limit).Select(ToApi).ToList();
    }

    private static Pipeline.Api.Decisions.DecisionRecord ToApi(StoredDecision d) => new(
        $"{d.HostId}@{d.CycleId}",
        d.HostId,
        d.At,
        d.Decision is null ? HostMode.Reactive : Enum.Parse<HostMode>(d.Decision.ModeBefore.ToString()),
        d.Decision is null ? HostMode.Reactive : Enum.Parse<HostMode>(d.Decision.ModeAfter.ToString()),
        d.Decision?.Measured,
        d.Decision?.Predicted,
        d.Decision?.PredictionError,
        d.Decision?.Range.Low ?? 0,
        d.Decision?.Range.High ?? 1,
        d.Decision is null ? Indication.None : Enum.Parse<Indication>(d.Decision.Indication.ToString()),
        d.Summary,
        d.DryRun,
        d.Migrations.Where(m => m.Outcome == "started").Select(m => m.MigrationId).ToList());

    // ---- migrations ----

    public async Task<IReadOnlyList<MigrationSummary>> ListAsync(MigrationFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return (await records.ListAsync(5000, cancellationToken))
            .Select(Summary)
            .Where(m => filter.HostId is null || m.SourceHostId == filter.HostId || m.DestinationHostId == filter.HostId)
            .Where(m => filter.VmId is null || m.VmIds.Contains(filter.VmId, StringComparer.Ordinal))
            .Where(m => filter.Status is null || m.Status == filter.Status)
            .Where(m => filter.Kind is null || m.Kind == filter.Kind)
            .Where(m => filter.From is null || m.CreatedAt >= filter.From)
            .Where(m => filter.To is null || m.CreatedAt < filter.To)
            .OrderByDescending(m => m.CreatedAt)
            .Take(filter.Limit)
            .ToList();
    }

    async Task<MigrationDetail?> IMigrationHistory.GetAsync(string migrationId, CancellationToken cancellationToken)
    {
        if (await records.GetAsync(migrationId, cancellationToken) is not { } record)
        {
            return null;
        }

        var steps = record.Steps.Select(s => new MigrationStep(
            s.VmId is null ? s.Step : $"{s.Step} ({s.VmId})",
            s.StartedAt,
            s.EndedAt,
            (s.EndedAt - s.StartedAt).TotalMilliseconds,
            1,
            s.Outcome,
            null)).ToList();
        return new MigrationDetail(Summary(record), steps, record.Outcome);
    }

    /// <summary>
    /// Migrations start at once when the evaluator plans them, so none stays pending long enough to be cancelled here:
    /// a known migration is reported as no longer pending (it aborts by itself on faults).
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken) =>
        await records.GetAsync(migrationId, cancellationToken) is null ? CancelOutcome.NotFound : CancelOutcome.NotPending;

    public async Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken)
    {
        var purged = 0;
        foreach (var record in await records.ListAsync(100_000, cancellationToken))
        {
            if (record.Result != MigrationResult.Running && record.EndedAt is { } ended && pipeline.Clock.ToSimulated(ended) < completedBefore)
            {
                await migrationsTable.DeleteEntityAsync("migration", record.MigrationId, ETag.All, cancellationToken);
                purged++;
            }
        }

        return purged;
    }

    private MigrationSummary Summary(MigrationRecord r) => new(
        r.MigrationId,
        r.MigrationId.StartsWith("evacuate-", StringComparison.Ordinal) ? MigrationKind.Evacuation : MigrationKind.Migration,
        r.SourceHostId,
        r.DestinationHostId,
        r.VmIds,
        StatusOf(r.Result),
        pipeline.Clock.ToSimulated(r.StartedAt),
        r.EndedAt is { } ended ? pipeline.Clock.ToSimulated(ended) : null,
        string.IsNullOrEmpty(r.Outcome) ? r.Reason : $"{r.Reason} — {r.Outcome}");

    private static MigrationStatus StatusOf(MigrationResult result) => result switch
    {
        MigrationResult.Running => MigrationStatus.Running,
        MigrationResult.Completed or MigrationResult.CompletedWithWarnings or MigrationResult.PartiallyCompleted => MigrationStatus.Completed,
        MigrationResult.Aborted or MigrationResult.Refused => MigrationStatus.Aborted,
        _ => MigrationStatus.Failed,
    };

    // ---- settings ----

    public async Task<VersionedSettings> GetAsync(CancellationToken cancellationToken)
    {
        var (document, version) = await settings.GetAsync(cancellationToken);
        return new VersionedSettings(SettingsMapping.ToApi(document), Quote(version));
    }

    public async Task<SettingsSaveResult> TryReplaceAsync(ApiSettings document, string expectedETag, SettingsAuditEntry audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var (current, version) = await settings.GetAsync(cancellationToken);
        if (Quote(version) != expectedETag)
        {
            return new SettingsSaveResult(false, Quote(version));
        }

        ETag? expected = version;
        foreach (var (scope, json) in SettingsMapping.ChangedScopes(current, document))
        {
            var result = await settings.SetAsync(scope, json, expected, cancellationToken);
            if (result.Status != SettingsWriteStatus.Saved)
            {
                var (_, now) = await settings.GetAsync(cancellationToken);
                return new SettingsSaveResult(false, Quote(now));
            }

            expected = result.Version;
        }

        lock (_audit)
        {
            _audit.Insert(0, audit);
        }

        var (_, saved) = await settings.GetAsync(cancellationToken);
        return new SettingsSaveResult(true, Quote(saved));
    }

    public Task<IReadOnlyList<SettingsAuditEntry>> GetAuditAsync(int limit, CancellationToken cancellationToken)
    {
        lock (_audit)
        {
            return Task.FromResult<IReadOnlyList<SettingsAuditEntry>>(_audit.Take(limit).ToList());
        }
    }

    private static string Quote(ETag version)
    {
        var text = version.ToString();
        return string.IsNullOrEmpty(text) ? ISettingsRepository.InitialETag : text.StartsWith('"') || text.StartsWith("W/", StringComparison.Ordinal) ? text : $"\"{text}\"";
    }
}

/// <summary>Between the API's settings document and the pipeline's scoped settings (Core's settings document).</summary>
internal static class SettingsMapping
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static ApiSettings ToApi(CoreSettings document)
    {
        var global = document.Global.ApplyTo(HostSettings.Default);
        return new ApiSettings
        {
            Global = FromEffective(global),
            Hosts = document.Hosts.ToDictionary(p => p.Key, p => FromPatch(p.Value)),
            Vms = document.Vms.ToDictionary(p => p.Key, p => new SettingsOverrides { AutoMigrate = p.Value.AutoMigrate, GroupId = p.Value.GroupId, Priority = p.Value.Priority }),
            Groups = document.Groups.ToDictionary(p => p.Key, p => new SettingsOverrides { AutoMigrate = p.Value.AutoMigrate, Priority = p.Value.Priority }),
            DayCategories = document.GlobalByDayCategory.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => FromPatch(p.Value)),
        };
    }

    public static IEnumerable<(SettingsScope Scope, string Json)> ChangedScopes(CoreSettings current, ApiSettings wanted)
    {
        var before = ToApi(current);
        if (!Same(before.Global, wanted.Global))
        {
            yield return (SettingsScope.Global, JsonSerializer.Serialize(ToPatch(wanted.Global), Json));
        }

        foreach (var (id, overrides) in wanted.Hosts)
        {
            if (!before.Hosts.TryGetValue(id, out var old) || !Same(old, overrides))
            {
                yield return (SettingsScope.ForHost(id), JsonSerializer.Serialize(ToPatch(overrides), Json));
            }
        }

        foreach (var (id, overrides) in wanted.Vms)
        {
            if (!before.Vms.TryGetValue(id, out var old) || !Same(old, overrides))
            {
                yield return (new SettingsScope(SettingsScopeKind.Vm, id),
                    JsonSerializer.Serialize(new VmSettingsPatch { AutoMigrate = overrides.AutoMigrate, GroupId = overrides.GroupId, Priority = overrides.Priority }, Json));
            }
        }

        foreach (var (id, overrides) in wanted.Groups)
        {
            if (!before.Groups.TryGetValue(id, out var old) || !Same(old, overrides))
            {
                yield return (new SettingsScope(SettingsScopeKind.Group, id),
                    JsonSerializer.Serialize(new GroupSettingsPatch { AutoMigrate = overrides.AutoMigrate, Priority = overrides.Priority }, Json));
            }
        }

        foreach (var (key, overrides) in wanted.DayCategories)
        {
            if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var category) &&
                (!before.DayCategories.TryGetValue(key, out var old) || !Same(old, overrides)))
            {
                yield return (new SettingsScope(SettingsScopeKind.GlobalDayCategory, null, category), JsonSerializer.Serialize(ToPatch(overrides), Json));
            }
        }
    }

    private static bool Same(SettingsOverrides a, SettingsOverrides b) =>
        JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    private static SettingsOverrides FromEffective(HostSettings s) => new()
    {
        NetworkMode = Enum.Parse<NetworkModeSetting>(s.NetworkMode.ToString()),
        TrainingPeriodDays = (int)Math.Round(s.TrainingDeadline.TotalDays),
        KeepTrainingIfNotConverged = s.KeepTrainingAfterDeadline,
        ControllerMode = Enum.Parse<Pipeline.Api.Settings.ControllerModeSetting>(s.ControllerMode.ToString()),
        AutostartAccuracyThreshold = s.AutostartAccuracyThreshold,
        AutostartWindowPeriods = s.AutostartWindow,
        ReactiveRange = new RangeSetting(s.ReactiveRange.Low, s.ReactiveRange.High),
        ProactiveRange = new RangeSetting(s.ProactiveRange.Low, s.ProactiveRange.High),
        FailsafeRange = new RangeSetting(s.FailsafeRange.Low, s.FailsafeRange.High),
        MigrationPriority = Enum.Parse<MigrationPrioritySetting>(s.MigrationPriority.ToString()),
        DryRun = s.DryRun,
        CooldownMinutes = (int)Math.Round(s.VmCooldown.TotalMinutes),
        HoldPeriods = (int)Math.Round(s.HoldDuration / Prescient.Core.Calendar.PeriodCalendar.DefaultPeriodLength),
        MinimumImprovement = s.MinimumImprovement,
        MaxMovesPerCycle = s.MaxMigrationsPerCycle,
        MaxMovesPerHost = s.MaxMigrationsPerHostPerCycle,
    };

    private static SettingsOverrides FromPatch(HostSettingsPatch p) => new()
    {
        NetworkMode = p.NetworkMode is { } n ? Enum.Parse<NetworkModeSetting>(n.ToString()) : null,
        TrainingPeriodDays = p.TrainingDeadline is { } t ? (int)Math.Round(t.TotalDays) : null,
        KeepTrainingIfNotConverged = p.KeepTrainingAfterDeadline,
        ControllerMode = p.ControllerMode is { } c ? Enum.Parse<Pipeline.Api.Settings.ControllerModeSetting>(c.ToString()) : null,
        AutostartAccuracyThreshold = p.AutostartAccuracyThreshold,
        AutostartWindowPeriods = p.AutostartWindow,
        ReactiveRange = p.ReactiveRange is { } r ? new RangeSetting(r.Low, r.High) : null,
        ProactiveRange = p.ProactiveRange is { } pr ? new RangeSetting(pr.Low, pr.High) : null,
        FailsafeRange = p.FailsafeRange is { } f ? new RangeSetting(f.Low, f.High) : null,
        MigrationPriority = p.MigrationPriority is { } m ? Enum.Parse<MigrationPrioritySetting>(m.ToString()) : null,
        DryRun = p.DryRun,
        CooldownMinutes = p.VmCooldown is { } v ? (int)Math.Round(v.TotalMinutes) : null,
        HoldPeriods = p.HoldDuration is { } h ? (int)Math.Round(h / Prescient.Core.Calendar.PeriodCalendar.DefaultPeriodLength) : null,
        MinimumImprovement = p.MinimumImprovement,
        MaxMovesPerCycle = p.MaxMigrationsPerCycle,
        MaxMovesPerHost = p.MaxMigrationsPerHostPerCycle,
    };

    private static HostSettingsPatch ToPatch(SettingsOverrides o) => new()
    {
        NetworkMode = o.NetworkMode is { } n ? Enum.Parse<Prescient.Core.Settings.NetworkMode>(n.ToString()) : null,
        TrainingDeadline = o.TrainingPeriodDays is { } t ? TimeSpan.FromDays(t) : null,
        KeepTrainingAfterDeadline = o.KeepTrainingIfNotConverged,
        ControllerMode = o.ControllerMode is { } c ? Enum.Parse<Prescient.Core.Settings.ControllerModeSetting>(c.ToString()) : null,
        AutostartAccuracyThreshold = o.AutostartAccuracyThreshold,
        AutostartWindow = o.AutostartWindowPeriods,
        ReactiveRange = o.ReactiveRange is { } r ? new WorkloadRange(r.Low, r.High) : null,
        ProactiveRange = o.ProactiveRange is { } p ? new WorkloadRange(p.Low, p.High) : null,
        FailsafeRange = o.FailsafeRange is { } f ? new WorkloadRange(f.Low, f.High) : null,
        MigrationPriority = o.MigrationPriority is { } m ? Enum.Parse<MigrationPriority>(m.ToString()) : null,
        DryRun = o.DryRun,
        VmCooldown = o.CooldownMinutes is { } v ? TimeSpan.FromMinutes(v) : null,
        HoldDuration = o.HoldPeriods is { } h ? Prescient.Core.Calendar.PeriodCalendar.DefaultPeriodLength * h : null,
        MinimumImprovement = o.MinimumImprovement,
        MaxMigrationsPerCycle = o.MaxMovesPerCycle,
        MaxMigrationsPerHostPerCycle = o.MaxMovesPerHost,
    };
}
