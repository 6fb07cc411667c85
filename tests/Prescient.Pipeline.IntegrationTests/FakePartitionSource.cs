using Azure.Messaging.EventHubs;
using Prescient.Pipeline.Ingest;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>An Event Hub without a broker: partitions are lists of events made by <see cref="EventHubsModelFactory"/>.</summary>
internal sealed class FakePartitionSource : IPartitionSource
{
    private readonly Dictionary<string, List<EventData>> _partitions = new(StringComparer.Ordinal);

    public string FullyQualifiedNamespace => "test.servicebus.windows.net";

    public string EventHubName => "telemetry";

    public string ConsumerGroup => "$Default";

    public int Opened { get; private set; }

    /// <summary>Appends events (bodies) to a partition with consecutive sequence numbers, as the broker would.</summary>
    public void Append(string partitionId, IEnumerable<byte[]> bodies)
    {
        if (!_partitions.TryGetValue(partitionId, out var events))
        {
            events = [];
            _partitions.Add(partitionId, events);
        }

        foreach (var body in bodies)
        {
            var sequence = events.Count;
            events.Add(EventHubsModelFactory.EventData(
                new BinaryData(body),
                partitionKey: "p",
                sequenceNumber: sequence,
                offsetString: (sequence * 1000L).ToString(System.Globalization.CultureInfo.InvariantCulture),
                enqueuedTime: PipelineHarness.Now.AddSeconds(-30)));
        }
    }

    public void Append(string partitionId, IEnumerable<TelemetryBatch> batches) =>
        Append(partitionId, batches.Select(TelemetrySerializer.Serialize));

    public Task<IReadOnlyList<string>> GetPartitionIdsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. _partitions.Keys.Order(StringComparer.Ordinal)]);

    public IPartitionReader Open(string partitionId, long? afterSequenceNumber)
    {
        Opened++;
        var events = _partitions.GetValueOrDefault(partitionId) ?? [];
        return new Reader(events, afterSequenceNumber is { } s ? (int)s + 1 : 0);
    }

    private sealed class Reader(List<EventData> events, int next) : IPartitionReader
    {
        public Task<IReadOnlyList<EventData>> ReceiveBatchAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            var batch = events.Skip(next).Take(maxCount).ToList();
            next += batch.Count;
            return Task.FromResult<IReadOnlyList<EventData>>(batch);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
