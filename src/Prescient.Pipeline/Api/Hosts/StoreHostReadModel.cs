using Prescient.Core.Controller;
using Prescient.Core.Migration;
using Prescient.Core.Settings;
using Prescient.Pipeline.Api.Decisions;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Api.Hosts;

/// <summary>
/// Hosts and their series from the pipeline's stores: host state (mode, network mode, accuracy, power state, last
/// decision), the windows (measured workload per period; the VMs of the latest sample of a powered host, with their
/// settings), the decisions (predicted workload, range and mode in force, mode changes with reasons) and the
/// migrations table. Every host reads the same: the Functions app and <c>up</c>.
/// </summary>
public sealed class StoreHostReadModel(
    HostStateStore hosts,
    WindowStore windows,
    DecisionStore decisions,
    IMigrationRecordStore migrations,
    SettingsStore settings,
    TimeProvider time,
    ModelStore? models = null) : IHostReadModel
{
    /// <summary>Decisions read per host for a series (one per evaluation cycle).</summary>
    public const int MaxDecisionsPerSeries = 5000;

    public async Task<IReadOnlyList<HostSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var states = await hosts.ListAsync(cancellationToken);
        var summaries = new HostSummary[states.Count];
        var ordered = states.OrderBy(s => s.HostId, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, ordered.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var vms = await LatestVmsAsync(ordered[i], ct);
                summaries[i] = (await SummaryAsync(ordered[i], ct)) with { VmCount = vms.Count };
            });
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
        var document = (await settings.GetAsync(cancellationToken)).Document;
        var vms = (await LatestVmsAsync(state, cancellationToken)).Select(v =>
        {
            var vm = document.ResolveVm(v.VmId);
            return new HostVm(v.VmId, vm.GroupId, vm.Priority, vm.AutoMigrate, v.Cpu, v.MemoryMb);
        }).ToList();
        var detail = new HostDetail(summary with { VmCount = vms.Count }, vms, state.AccuracyAt);
        return models is null ? detail : detail.WithModel(await models.GetCurrentMetadataAsync(hostId, cancellationToken));
    }

    public async Task<HostSeries?> GetSeriesAsync(string hostId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (await hosts.GetAsync(hostId, cancellationToken) is null)
        {
            return null;
        }

        var calendar = windows.Calendar;
        // Only the range: the windows' counts and means (a projection) and the decisions of the range's cycles, plus the
        // last decision before it (the range and mode in force at its start); not the host's whole history.
        var measured = await windows.GetMeansAsync(hostId, calendar.PeriodOf(from), calendar.PeriodOf(to), cancellationToken);
        var ranged = decisions.ListRangeAsync(hostId, from - calendar.PeriodLength, to, MaxDecisionsPerSeries, cancellationToken);
        var before = decisions.ListRangeAsync(hostId, DateTimeOffset.MinValue, from - calendar.PeriodLength, 8, cancellationToken);
        var rows = (await ranged).Concat(await before)
            .Where(r => r.Decision is not null && r.At < to)
            .OrderBy(r => r.At)
            .ToList();

        // One point per period: the measured mean, the prediction made in that period, and the range and mode in force
        // (the latest decision up to that period; before any, the host's settings).
        var byPeriod = rows.GroupBy(r => calendar.PeriodOf(r.At)).ToDictionary(g => g.Key, g => g.Last());
        var range = (await settings.GetAsync(cancellationToken)).Document.ResolveHost(hostId).ReactiveRange;
        var points = new List<SeriesPoint>();
        var periods = measured.Select(w => w.Period).Union(byPeriod.Keys).Order().ToList();
        var inForce = rows.LastOrDefault(r => r.At < from);
        foreach (var period in periods)
        {
            var start = calendar.StartOf(period);
            if (byPeriod.TryGetValue(period, out var own))
            {
                inForce = own;
            }

            if (start < from - calendar.PeriodLength || start >= to)
            {
                continue;
            }

            var window = measured.FirstOrDefault(w => w.Period == period);
            var decision = inForce?.Decision;
            points.Add(new SeriesPoint(
                start,
                window.Count == 0 ? null : window.Mean,
                own?.Decision?.Predicted,
                decision?.Range.Low ?? range.Low,
                decision?.Range.High ?? range.High,
                StoreDecisionLog.Mode(decision?.ModeAfter)));
        }

        var modeChanges = rows
            .Where(r => r.At >= from && r.Decision!.ModeBefore != r.Decision.ModeAfter)
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

    /// <summary>
    /// The VMs of the host's latest sample in the current or previous period; none for a host in reduced power (its
    /// agent sends nothing, and its last sample may predate the moves that emptied it).
    /// </summary>
    private async Task<IReadOnlyList<Telemetry.VmSample>> LatestVmsAsync(HostState state, CancellationToken cancellationToken)
    {
        if (ParsePowerState(state.PowerState) == PowerState.Reduced)
        {
            return [];
        }

        var calendar = windows.Calendar;
        var current = calendar.PeriodOf(time.GetUtcNow());
        var recent = await windows.GetAsync(state.HostId, calendar.Previous(current), current, cancellationToken);
        return recent.Where(w => w.Vms is not null).MaxBy(w => w.VmsSequence)?.Vms ?? [];
    }

    private async Task<HostSummary> SummaryAsync(HostState state, CancellationToken cancellationToken)
    {
        var last = (await decisions.ListAsync(state.HostId, 1, cancellationToken)).FirstOrDefault();
        var lastDecision = last is null ? null : StoreDecisionLog.ToApi(last);
        return new HostSummary(
            state.HostId,
            string.Equals(state.ControllerMode, "Proactive", StringComparison.OrdinalIgnoreCase) ? ControllerMode.Proactive : ControllerMode.Reactive,
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

    /// <summary>The power state the pipeline recorded (Core's names, or older spellings such as <c>Sleeping</c>); null when none.</summary>
    internal static PowerState? ParsePowerState(string? text) => text?.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant() switch
    {
        null or "" => null,
        "ON" or "RUNNING" or "POWEREDON" => PowerState.On,
        "REDUCED" or "REDUCEDPOWER" or "SLEEPING" or "OFF" or "STANDBY" => PowerState.Reduced,
        "WAKING" => PowerState.Waking,
        "UNAVAILABLE" => PowerState.Unavailable,
        _ => null,
    };
}
