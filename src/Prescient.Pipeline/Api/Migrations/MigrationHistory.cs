namespace Prescient.Pipeline.Api.Migrations;

/// <summary>Where a migration stands. Pending: not yet past the destination's OK-to-migrate, so it can be cancelled.</summary>
public enum MigrationStatus
{
    Pending,
    Running,
    Completed,
    /// <summary>Some VMs of a group moved, others were aborted back to the source.</summary>
    PartiallyCompleted,
    Aborted,
    /// <summary>The destination refused (not OK-to-migrate) or a VM was already moving.</summary>
    Refused,
    Failed,
    Cancelled,
}

/// <summary>A single VM (or group) move, or the evacuation of a host.</summary>
public enum MigrationKind
{
    Migration,
    Evacuation,
}

/// <summary>A line of the migration list.</summary>
public sealed record MigrationSummary(
    string MigrationId,
    MigrationKind Kind,
    string SourceHostId,
    string? DestinationHostId,
    IReadOnlyList<string> VmIds,
    MigrationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    string? Reason);

/// <summary>One step of a migration from the orchestration history: name, timing, attempts and outcome.</summary>
public sealed record MigrationStep(
    string Name,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    double? DurationMs,
    int Attempts,
    string Outcome,
    string? Detail);

/// <summary>One migration with every step.</summary>
public sealed record MigrationDetail(MigrationSummary Migration, IReadOnlyList<MigrationStep> Steps, string? Outcome);

/// <summary>Filters of the migration list (all optional); newest first, at most <see cref="Limit"/>.</summary>
public sealed record MigrationFilter(
    string? HostId,
    string? VmId,
    MigrationStatus? Status,
    MigrationKind? Kind,
    DateTimeOffset? From,
    DateTimeOffset? To,
    int Limit);

/// <summary>What a cancel request did.</summary>
public enum CancelOutcome
{
    /// <summary>The migration was pending and will not move anything.</summary>
    Cancelled,
    NotFound,
    /// <summary>The migration has reached resume-started (it commits), is ending, or has finished: nothing was sent.</summary>
    NotCancellable,
    /// <summary>
    /// The migration is running and had not reached resume-started: the cancel was sent to it. It aborts at its next
    /// step (outcome cancelled, VM on the source), unless it reached resume-started meanwhile (then it commits and
    /// records the cancel as ignored).
    /// </summary>
    CancelRequested,
}

/// <summary>
/// The migration history as the API reads it (the migrations table and the orchestration history), with the two
/// operator actions: cancel a migration (before resume-started) and purge old history.
/// </summary>
public interface IMigrationHistory
{
    Task<IReadOnlyList<MigrationSummary>> ListAsync(MigrationFilter filter, CancellationToken cancellationToken);

    Task<MigrationDetail?> GetAsync(string migrationId, CancellationToken cancellationToken);

    Task<CancelOutcome> CancelAsync(string migrationId, string reason, string actor, CancellationToken cancellationToken);

    /// <summary>Deletes the history of migrations that finished before <paramref name="completedBefore"/>; returns how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken);
}
