using Prescient.Pipeline.Migration;

namespace Prescient.Pipeline.Api.Migrations;

/// <summary>
/// The migration history from the migrations table the workflows write (every step with its timing and outcome),
/// filtered in memory. Cancelling and purging need the durable client: <see cref="IMigrationControl"/>.
/// </summary>
public sealed class StoreMigrationHistory(IMigrationRecordStore records, IMigrationControl control) : IMigrationHistory
{
    public const int MaxScanned = 2000;

    public async Task<IReadOnlyList<MigrationSummary>> ListAsync(MigrationFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var rows = await records.ListAsync(MaxScanned, cancellationToken);
        return [.. rows.Select(ToSummary)
            .Where(m => filter.HostId is null || m.SourceHostId == filter.HostId || m.DestinationHostId == filter.HostId)
            .Where(m => filter.VmId is null || m.VmIds.Contains(filter.VmId))
            .Where(m => filter.Status is null || m.Status == filter.Status)
            .Where(m => filter.Kind is null || m.Kind == filter.Kind)
            .Where(m => filter.From is null || m.CreatedAt >= filter.From)
            .Where(m => filter.To is null || m.CreatedAt < filter.To)
            .OrderByDescending(m => m.CreatedAt)
            .Take(filter.Limit)];
    }

    public async Task<MigrationDetail?> GetAsync(string migrationId, CancellationToken cancellationToken)
    {
        var row = await records.GetAsync(migrationId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var steps = row.Steps
            .OrderBy(s => s.StartedAt)
            .Select(s => new MigrationStep(
                s.VmId is null ? s.Step : $"{s.Step} ({s.VmId})", s.StartedAt, s.EndedAt, (s.EndedAt - s.StartedAt).TotalMilliseconds, 1, s.Outcome, null))
            .ToList();
        return new MigrationDetail(ToSummary(row), steps, row.Outcome);
    }

    public Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken) =>
        control.CancelAsync(migrationId, reason, actor, cancellationToken);

    public Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken) =>
        control.PurgeAsync(completedBefore, cancellationToken);

    public static MigrationSummary ToSummary(MigrationRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new MigrationSummary(
            row.MigrationId,
            row.InstanceId.StartsWith("evacuate-", StringComparison.Ordinal) ? MigrationKind.Evacuation : MigrationKind.Migration,
            row.SourceHostId,
            row.DestinationHostId,
            row.VmIds,
            Status(row),
            row.StartedAt,
            row.EndedAt,
            row.Reason);
    }

    private static MigrationStatus Status(MigrationRecord row) => row.Result switch
    {
        // The workflow writes its row when it starts (before its first step) and when it ends: started is running.
        MigrationResult.Running => MigrationStatus.Running,
        MigrationResult.Completed or MigrationResult.CompletedWithWarnings => MigrationStatus.Completed,
        MigrationResult.PartiallyCompleted => MigrationStatus.PartiallyCompleted,
        MigrationResult.Refused => MigrationStatus.Refused,
        MigrationResult.Failed => MigrationStatus.Failed,
        MigrationResult.Cancelled => MigrationStatus.Cancelled,
        _ when row.Outcome.Contains("cancel", StringComparison.OrdinalIgnoreCase) => MigrationStatus.Cancelled,
        _ => MigrationStatus.Aborted,
    };
}

/// <summary>
/// The operator actions on migrations that go through the durable client: cancel a pending orchestration, purge old
/// orchestration history. Each host provides one (the Functions app with its durable client binding, the local
/// runtime with its client).
/// </summary>
public interface IMigrationControl
{
    Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken);

    Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken);
}
