using Prescient.Pipeline.Storage;
using CoreController = Prescient.Core.Controller;

namespace Prescient.Pipeline.Api.Decisions;

/// <summary>Recent decisions from the pipeline's decision store (one partition per host), merged newest first.</summary>
public sealed class StoreDecisionLog(DecisionStore decisions, HostStateStore hosts) : IDecisionLog
{
    public async Task<IReadOnlyList<DecisionRecord>> RecentAsync(string? hostId, DateTimeOffset? since, int limit, CancellationToken cancellationToken)
    {
        var hostIds = hostId is null ? await hosts.ListHostIdsAsync(cancellationToken) : [hostId];
        // Every host's partition at once; with since, only the rows of cycles keyed from a day before it (a row's key is
        // its cycle's start, its time a little later), not the host's whole history.
        var perHost = await Task.WhenAll(hostIds.Select(id => since is { } from
            ? decisions.ListRangeAsync(id, from - TimeSpan.FromDays(1), DateTimeOffset.MaxValue.AddYears(-1), limit, cancellationToken)
            : decisions.ListAsync(id, limit, cancellationToken)));
        return [.. perHost.SelectMany(rows => rows).Where(r => since is null || r.At >= since).Select(ToApi)
            .OrderByDescending(d => d.At).ThenBy(d => d.HostId, StringComparer.Ordinal).Take(limit)];
    }

    public static DecisionRecord ToApi(Storage.DecisionRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var d = row.Decision;
        return new DecisionRecord(
            $"{row.HostId}/{row.CycleId}",
            row.HostId,
            row.At,
            Mode(d?.ModeBefore),
            Mode(d?.ModeAfter),
            d?.Measured,
            d?.Predicted,
            d?.PredictionError,
            d?.Range.Low ?? 0,
            d?.Range.High ?? 0,
            d?.Indication ?? CoreController.Indication.None,
            Reason(d?.Reason, row.Summary),
            row.DryRun,
            [.. row.Migrations.Select(m => m.MigrationId)]);
    }

    /// <summary>
    /// The decision's text: the cycle's summary, which begins with the controller's reason; a summary that does not
    /// (rows written before it did) gets the reason in front, so the reason is shown once either way.
    /// </summary>
    internal static string Reason(string? reason, string summary) =>
        string.IsNullOrEmpty(reason) || summary.StartsWith(reason, StringComparison.Ordinal) ? summary : $"{reason} {summary}".Trim();

    internal static CoreController.ControllerMode Mode(CoreController.ControllerMode? mode) => mode ?? CoreController.ControllerMode.Reactive;
}
