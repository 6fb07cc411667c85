using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Configuration;

namespace Prescient.Functions.Telemetry;

/// <summary>
/// Telemetry ingest. Event Hubs is drained by a timer (the isolated Event Hubs trigger extension is not available,
/// see DESIGN.md section 3); the Storage queue is a real queue trigger (the local transport, also accepted in Azure).
/// </summary>
public sealed partial class TelemetryFunctions(ITelemetryIngestion ingestion, ILogger<TelemetryFunctions> logger)
{
    /// <summary>Every 30 seconds: read what arrived on every partition since the last checkpoint.</summary>
    public const string DrainSchedule = "*/30 * * * * *";

    [Function("TelemetryEventHubDrain")]
    public async Task DrainEventHubAsync([TimerTrigger(DrainSchedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var result = await ingestion.DrainEventHubAsync(cancellationToken);
        LogDrained(result.Accepted, result.Duplicates, result.DeadLettered);
    }

    /// <summary>
    /// One queue message is one telemetry batch (JSON, docs/telemetry.md). An invalid message is dead-lettered by
    /// the ingestion with its reason and the function returns normally, so the message is not retried forever;
    /// a transient failure throws, and the queue redelivers (ingest counts each sample once).
    /// </summary>
    [Function("TelemetryQueueIngest")]
    public async Task IngestQueueMessageAsync(
        [QueueTrigger($"%{AppSettingNames.TelemetryQueueName}%", Connection = AppSettingNames.Storage)] string message,
        CancellationToken cancellationToken)
    {
        var result = await ingestion.IngestQueueMessageAsync(message, cancellationToken);
        LogIngested(result.Accepted, result.Duplicates, result.DeadLettered);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event Hubs drain: {Accepted} samples accepted, {Duplicates} duplicates, {DeadLettered} dead-lettered")]
    private partial void LogDrained(int accepted, int duplicates, int deadLettered);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue batch: {Accepted} samples accepted, {Duplicates} duplicates, {DeadLettered} dead-lettered")]
    private partial void LogIngested(int accepted, int duplicates, int deadLettered);
}
