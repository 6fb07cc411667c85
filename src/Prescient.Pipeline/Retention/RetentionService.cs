using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Api.Migrations;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Retention;

/// <summary>How long history is kept (<c>Prescient:Pipeline:Retention</c>).</summary>
public sealed record RetentionOptions
{
    /// <summary>History older than this many days is deleted: finished migrations (rows and orchestration histories), decisions, dead letters.</summary>
    public int Days { get; init; } = 30;

    /// <summary>How often a host without a timer trigger (<c>prescient up</c>) applies retention, on the pipeline's clock.</summary>
    public TimeSpan RunEvery { get; init; } = TimeSpan.FromHours(6);

    public TimeSpan Window => TimeSpan.FromDays(Days);

    public IReadOnlyList<string> Validate() =>
        Days is >= 1 and <= 3650 && RunEvery > TimeSpan.Zero
            ? []
            : [$"Retention: Days must be 1 to 3650 (not {Days}) and RunEvery positive (not {RunEvery})."];
}

/// <summary>What one retention run deleted, and the cut-offs it used.</summary>
public sealed record RetentionResult(
    DateTimeOffset Cutoff,
    DateTimeOffset WorkflowCutoff,
    int OrchestrationHistories,
    int Migrations,
    int Decisions,
    int DeadLetters);

/// <summary>
/// Applies the retention window to everything that otherwise grows forever: finished migrations (the rows the API
/// lists and their orchestration histories), decisions and dead letters. Running migrations are never touched.
/// Rows are cut on the pipeline's clock (a migration's row is stamped on it too); orchestration histories on the
/// workflows' clock (the same in Azure; under <c>prescient up</c> the workflows keep real time while the pipeline's
/// clock is simulated). Every delete is
/// idempotent, so a run that fails halfway is simply run again.
/// </summary>
public sealed partial class RetentionService(
    RetentionOptions options,
    IMigrationRecordStore migrations,
    IMigrationControl histories,
    DecisionStore decisions,
    HostStateStore hosts,
    DeadLetterStore deadLetters,
    TimeProvider time,
    TimeProvider workflowTime,
    ILogger<RetentionService> logger)
{
    public RetentionOptions Options { get; } = options;

    public async Task<RetentionResult> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - Options.Window;
        var workflowCutoff = workflowTime.GetUtcNow() - Options.Window;
        var purged = await histories.PurgeAsync(workflowCutoff, cancellationToken);
        var rows = await migrations.DeleteFinishedBeforeAsync(cutoff, cancellationToken);
        var decided = 0;
        foreach (var hostId in await hosts.ListHostIdsAsync(cancellationToken))
        {
            decided += await decisions.DeleteBeforeAsync(hostId, cutoff, cancellationToken);
        }

        var letters = await deadLetters.DeleteBeforeAsync(cutoff, cancellationToken);
        var result = new RetentionResult(cutoff, workflowCutoff, purged, rows, decided, letters);
        LogApplied(logger, Options.Days, cutoff, purged, rows, decided, letters);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention ({Days} days, before {Cutoff}): deleted {Histories} orchestration histories, {Migrations} migrations, {Decisions} decisions, {DeadLetters} dead letters")]
    private static partial void LogApplied(ILogger logger, int days, DateTimeOffset cutoff, int histories, int migrations, int decisions, int deadLetters);
}
