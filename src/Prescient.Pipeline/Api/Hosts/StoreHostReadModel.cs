using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Api.Hosts;

/// <summary>
/// Hosts and their series from the pipeline's stores: host state (mode, network mode, accuracy, power state, last
/// decision), the windows (measured workload per period), the decisions (predicted workload, range and mode in force,
/// mode changes with reasons) and the migrations table.
/// </summary>
public sealed class StoreHostReadModel(
    HostStateStore hosts,
    WindowStore windows,
    DecisionStore decisions,
    IMigrationRecordStore migrations,
    TimeProvider time,
    ModelStore? models = null) : IHostReadModel
{
    /// <summary>Decisions read per host for a series (one per evaluation cycle).</summary>
    public const int MaxDecisionsPerSeries = 5000;

    public async Task<IReadOnlyList<HostSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var states = await hosts.ListAsync(cancellationToken);
        var summaries = new List<HostSummary>(states.Count);
        foreach (var state in states.OrderBy(s => s.HostId, StringComparer.Ordinal))
        {
            summaries.Add(await SummaryAsync(state, cancellationToken));
        }

        return summaries;
    }

    public async Task<HostDetail?> GetAsync(string hostId, CancellationToken cancellationToken)
    {
        var state = await hosts.GetAsync(hostId, cancellationToken);
        if (state is null)
        {
            return null;
        }

        var summary = await SummaryAsync(state, cancellationToken);
        var now = time.GetUtcNow();
        var latest = (await windows.GetSinceAsync(hostId, now.AddDays(-1), now.AddHours(1), cancellationToken))
            .OrderByDescending(w => w.Start).FirstOrDefault();
        var vms = latest?.Vms?.Select(v => new HostVm(v.VmId, null, 0, true, v.Cpu, v.MemoryMb)).ToList() ?? [];
        var detail = new HostDetail(summary with { VmCount = vms.Count }, vms, state.AccuracyAt);
        return models is null ? detail : detail.WithModel(await models.GetCurrentMetadataAsync(hostId, cancellationToken));
    }

    public async Task<HostSeries?> GetSeriesAsync(string hostId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (await hosts.GetAsync(hostId, cancellationToken) is null)
        {
            return null;
        }

        var measured = await windows.GetSinceAsync(hostId, from, to, cancellationToken);
        var rows = (await decisions.ListAsync(hostId, MaxDecisionsPerSeries, cancellationToken))
            .Where(r => r.At >= from && r.At < to && r.Decision is not null)
            .OrderBy(r => r.At)
            .ToList();

        // One point per period: the measured mean, and the last decision taken in that period (prediction, range, mode).
        var calendar = windows.Calendar;
        var byPeriod = rows.GroupBy(r => calendar.PeriodOf(r.At)).ToDictionary(g => g.Key, g => g.Last());
        var points = new List<SeriesPoint>();
        var periods = measured.Select(w => w.Period).Union(byPeriod.Keys).Order().ToList();
        foreach (var period in periods)
        {
            var window = measured.FirstOrDefault(w => w.Period == period);
            byPeriod.TryGetValue(period, out var row);
            var decision = row?.Decision;
            points.Add(new SeriesPoint(
                calendar.StartOf(period),
                window is null || window.Count == 0 ? null : window.Mean,
                decision?.Predicted,
                decision?.Range.Low ?? 0,
                decision?.Range.High ?? 0,
                StoreDecisionLog.Mode(decision?.ModeAfter)));
        }

        var modeChanges = rows
            .Where(r => r.Decision!.ModeBefore != r.Decision.ModeAfter)
            .Select(r => new ModeChange(r.At, StoreDecisionLog.Mode(r.Decision!.ModeBefore), StoreDecisionLog.Mode(r.Decision.ModeAfter), r.Decision.Reason))
            .ToList();

        var moves = (await migrations.ListAsync(StoreMigrationHistory.MaxScanned, cancellationToken))
            .Where(m => (m.SourceHostId == hostId || m.DestinationHostId == hostId) && m.StartedAt >= from && m.StartedAt < to)
            .OrderBy(m => m.StartedAt)
            .Select(m =>
            {
                var summary = StoreMigrationHistory.ToSummary(m);
                var outgoing = m.SourceHostId == hostId;
                return new SeriesMigration(m.MigrationId, m.StartedAt, outgoing ? "out" : "in", outgoing ? m.DestinationHostId : m.SourceHostId, m.VmIds, summary.Status);
            })
            .ToList();
        return new HostSeries(hostId, from, to, points, modeChanges, moves);
    }

    private async Task<HostSummary> SummaryAsync(HostState state, CancellationToken cancellationToken)
    {
        var last = (await decisions.ListAsync(state.HostId, 1, cancellationToken)).FirstOrDefault();
        var lastDecision = last is null ? null : StoreDecisionLog.ToApi(last);
        return new HostSummary(
            state.HostId,
            string.Equals(state.ControllerMode, "Proactive", StringComparison.OrdinalIgnoreCase) ? HostMode.Proactive : HostMode.Reactive,
            ParseNetworkMode(state.NetworkMode),
            state.Accuracy,
            ParsePowerState(state.PowerState),
            last?.Decision?.Measured,
            last?.Decision?.Predicted,
            0,
            lastDecision);
    }

    private static NetworkMode ParseNetworkMode(string? text) =>
        Enum.TryParse<NetworkMode>(text?.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var mode) ? mode : NetworkMode.Training;

    private static PowerState ParsePowerState(string? text) => text?.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        null or "" => PowerState.Unknown,
        "ON" or "RUNNING" or "POWEREDON" => PowerState.On,
        "REDUCEDPOWER" or "SLEEPING" or "OFF" or "STANDBY" => PowerState.ReducedPower,
        "WAKING" => PowerState.Waking,
        _ => PowerState.Unknown,
    };
}
