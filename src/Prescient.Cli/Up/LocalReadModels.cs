using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Hosts;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Hypervisor;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using CoreMigration = Prescient.Core.Migration;
using StoredDecision = Prescient.Pipeline.Storage.DecisionRecord;

namespace Prescient.Cli.Up;

/// <summary>
/// The operations API's read models over the pipeline's stores, as the local host composes them: hosts (host state
/// table, windows, decisions, models, and each host's hypervisor endpoint for power state and VMs), decisions,
/// migrations (the migrations table the workflows write) (the settings routes use the shared SettingsHandler). Migration times are the workflows' real times mapped onto the simulated timeline.
/// </summary>
public sealed class LocalReadModels(
    LocalPipeline pipeline,
    DecisionStore decisions,
    ModelStore models,
    IMigrationRecordStore records,
    IHypervisorClient hypervisor,
    SettingsStore settings,
    TableClient migrationsTable) : IHostReadModel, IDecisionLog, IMigrationHistory
{
    private const int MaxDecisionsPerHost = 1000;

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
        return new HostDetail(summary, vms, model?.TrainedAt ?? state?.AccuracyAt).WithModel(model);
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

    /// <summary>Through the local durable runtime's client, as the Functions app does through its own.</summary>
    public Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken) =>
        new DurableMigrationControl(records, () => pipeline.Durable.Client).CancelAsync(migrationId, reason, actor, cancellationToken);

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
        MigrationResult.Cancelled => MigrationStatus.Cancelled,
        _ => MigrationStatus.Failed,
    };
}
