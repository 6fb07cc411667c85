using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Ingest;

namespace Prescient.Functions.Telemetry;

/// <summary>
/// Telemetry ingest. Event Hubs is drained by a timer (the isolated Event Hubs trigger extension is not available;
/// docs/adr/0001); the Storage queue is a real queue trigger (the local transport, also accepted in Azure).
/// </summary>
public sealed partial class TelemetryFunctions(
    TelemetryIngestor ingestor,
    IServiceProvider services,
    IConfiguration configuration,
    ILogger<TelemetryFunctions> logger)
{
    /// <summary>
    /// Reads every partition from its checkpoint (bounded per run), stores the windows, checkpoints. Without a
    /// telemetry hub configured (a queue-only deployment) it does nothing.
    /// </summary>
    [Function("TelemetryEventHubDrain")]
    public async Task DrainEventHubAsync(
        [TimerTrigger($"%{AppSettingNames.IngestSchedule}%")] TimerInfo timer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        if (services.GetService(typeof(EventHubPartitionDrainer)) is not EventHubPartitionDrainer drainer)
        {
            LogNoHub(AppSettingNames.TelemetryHubName);
            return;
        }

        var results = await drainer.DrainAllAsync(cancellationToken);
        var total = results.Aggregate(IngestResult.Empty, (sum, r) => sum.Add(r.Ingest));
        LogDrained(results.Count, total.Accepted, total.Duplicates, total.DeadLettered);
    }

    /// <summary>
    /// One queue message is one telemetry batch (docs/telemetry.md). Invalid content is dead-lettered with its
    /// reason and the function returns normally, so the message is not retried forever; a storage failure throws and
    /// the queue redelivers it (ingest counts each sample once).
    /// </summary>
    [Function("TelemetryQueueIngest")]
    public async Task<IngestResult> IngestQueueMessageAsync(
        [QueueTrigger($"%{AppSettingNames.TelemetryQueueName}%", Connection = AppSettingNames.Storage)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var queueName = configuration[AppSettingNames.TelemetryQueueName] ?? "telemetry";
        var payload = QueueTelemetryDrainer.ToPayload(message.Body.ToMemory(), queueName, message.MessageId, message.InsertedOn ?? default);
        var result = await ingestor.IngestAsync([payload], cancellationToken);
        LogIngested(message.MessageId, result.Accepted, result.Duplicates, result.DeadLettered);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event Hubs drain over {Partitions} partitions: {Accepted} samples accepted, {Duplicates} duplicates, {DeadLettered} dead-lettered")]
    private partial void LogDrained(int partitions, int accepted, int duplicates, int deadLettered);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue message {MessageId}: {Accepted} samples accepted, {Duplicates} duplicates, {DeadLettered} dead-lettered")]
    private partial void LogIngested(string messageId, int accepted, int duplicates, int deadLettered);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No telemetry Event Hub configured ({Setting}); nothing to drain")]
    private partial void LogNoHub(string setting);
}
