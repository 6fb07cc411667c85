namespace Prescient.Telemetry;

/// <summary>
/// Sends telemetry batches to the pipeline's transport (Event Hubs or an Azure Storage queue). A call that returns
/// has handed every sample of the batch to the transport; a call that throws may have sent some of them, which is
/// safe because ingest counts each (host, sequence) once.
/// </summary>
public interface ITelemetryPublisher
{
    Task PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken);
}
