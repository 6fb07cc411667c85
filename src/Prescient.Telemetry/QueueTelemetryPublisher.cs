using Azure.Storage.Queues;

namespace Prescient.Telemetry;

/// <summary>
/// Publishes telemetry to an Azure Storage queue (the local transport; a queue trigger consumes it in Functions).
/// Each message is the base64 text of one batch's JSON, which is what the Functions queue trigger expects by
/// default. A batch larger than the queue's message limit (64 KiB after base64) is split into several messages.
/// </summary>
public sealed class QueueTelemetryPublisher : ITelemetryPublisher
{
    /// <summary>Azure Storage's queue message limit, in bytes of the message text.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>The largest JSON that still fits after base64 (4 characters per 3 bytes).</summary>
    public const int MaxJsonBytes = MaxMessageBytes / 4 * 3;

    private readonly QueueClient _queue;
    private readonly int _maxJsonBytes;

    /// <param name="queue">A client with the default (no) message encoding: this class writes base64 itself.</param>
    /// <param name="maxJsonBytes">Split threshold; defaults to the queue's limit.</param>
    public QueueTelemetryPublisher(QueueClient queue, int maxJsonBytes = MaxJsonBytes)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxJsonBytes, MaxJsonBytes);
        _queue = queue;
        _maxJsonBytes = maxJsonBytes;
    }

    public async Task PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        foreach (var (_, json) in TelemetrySerializer.Split(batch, _maxJsonBytes))
        {
            await _queue.SendMessageAsync(Convert.ToBase64String(json), cancellationToken);
        }
    }
}
