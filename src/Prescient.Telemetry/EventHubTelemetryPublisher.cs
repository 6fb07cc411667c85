using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;

namespace Prescient.Telemetry;

/// <summary>
/// Publishes telemetry to Event Hubs. Partition key = host id, so a host's events stay in order on one partition.
/// A batch is cut into events of at most <c>maxEventBytes</c> of JSON, and the events are packed into size-limited
/// <see cref="EventDataBatch"/>es; when one is full it is sent and the next one started.
/// </summary>
public sealed class EventHubTelemetryPublisher : ITelemetryPublisher
{
    /// <summary>Default event size: well under the Basic tier's 256 KB limit, so one event never fails alone.</summary>
    public const int DefaultMaxEventBytes = 128 * 1024;

    public const string ContentType = "application/json";

    /// <summary>Application property carrying the schema version (routing without parsing the body).</summary>
    public const string SchemaVersionProperty = "schemaVersion";

    public const string HostIdProperty = "hostId";

    private readonly EventHubProducerClient _producer;
    private readonly int _maxEventBytes;

    public EventHubTelemetryPublisher(EventHubProducerClient producer, int maxEventBytes = DefaultMaxEventBytes)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1024);
        _producer = producer;
        _maxEventBytes = maxEventBytes;
    }

    public async Task PublishAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var options = new CreateBatchOptions { PartitionKey = batch.HostId };
        EventDataBatch? current = null;
        try
        {
            foreach (var (part, json) in TelemetrySerializer.Split(batch, _maxEventBytes))
            {
                var eventData = ToEvent(part, json);
                current ??= await _producer.CreateBatchAsync(options, cancellationToken);
                if (current.TryAdd(eventData))
                {
                    continue;
                }

                if (current.Count == 0)
                {
                    throw new InvalidOperationException(
                        $"An event of {json.Length} bytes does not fit an empty Event Hubs batch ({current.MaximumSizeInBytes} bytes); lower maxEventBytes.");
                }

                await _producer.SendAsync(current, cancellationToken);
                current.Dispose();
                current = await _producer.CreateBatchAsync(options, cancellationToken);
                if (!current.TryAdd(eventData))
                {
                    throw new InvalidOperationException(
                        $"An event of {json.Length} bytes does not fit an empty Event Hubs batch ({current.MaximumSizeInBytes} bytes); lower maxEventBytes.");
                }
            }

            if (current is { Count: > 0 })
            {
                await _producer.SendAsync(current, cancellationToken);
            }
        }
        finally
        {
            current?.Dispose();
        }
    }

    internal static EventData ToEvent(TelemetryBatch part, byte[] json)
    {
        var eventData = new EventData(json) { ContentType = ContentType };
        eventData.Properties[SchemaVersionProperty] = part.SchemaVersion;
        eventData.Properties[HostIdProperty] = part.HostId;
        return eventData;
    }
}
