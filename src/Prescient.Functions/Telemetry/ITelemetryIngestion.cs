namespace Prescient.Functions.Telemetry;

/// <summary>What one ingest call did: samples stored, samples already stored before, events dead-lettered.</summary>
public sealed record IngestSummary(int Accepted, int Duplicates, int DeadLettered);

/// <summary>
/// The pipeline's ingest as the telemetry functions see it (adapted to the pipeline's ingest service in
/// <see cref="ServiceCollectionExtensions"/>).
/// </summary>
public interface ITelemetryIngestion
{
    /// <summary>Reads every partition of the telemetry hub from its checkpoint, stores the windows, checkpoints.</summary>
    Task<IngestSummary> DrainEventHubAsync(CancellationToken cancellationToken);

    /// <summary>Validates and stores one queued batch; invalid content goes to the dead-letter table, not an exception.</summary>
    Task<IngestSummary> IngestQueueMessageAsync(string message, CancellationToken cancellationToken);
}
