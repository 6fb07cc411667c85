using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Time.Testing;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Tests.Telemetry;

public sealed class EventHubTelemetryPublisherTests
{
    /// <summary>A producer with no broker: batches hold at most <c>maxBatchBytes</c> of event bodies.</summary>
    private sealed class RecordingProducer(long maxBatchBytes) : EventHubProducerClient
    {
        private readonly List<List<EventData>> _open = [];

        public List<(string? PartitionKey, List<EventData> Events)> Sent { get; } = [];

        public override ValueTask<EventDataBatch> CreateBatchAsync(CreateBatchOptions options, CancellationToken cancellationToken = default)
        {
            var store = new List<EventData>();
            _open.Add(store);
            long size = 0;
            var batch = EventHubsModelFactory.EventDataBatch(maxBatchBytes, store, options, e =>
            {
                if (size + e.EventBody.ToMemory().Length > maxBatchBytes)
                {
                    return false;
                }

                size += e.EventBody.ToMemory().Length;
                return true;
            });
            return ValueTask.FromResult(batch);
        }

        public override Task SendAsync(EventDataBatch eventBatch, CancellationToken cancellationToken = default)
        {
            var store = _open.Single(s => s.Count == eventBatch.Count && s.Count > 0 && !Sent.Any(x => ReferenceEquals(x.Events, s)));
            Sent.Add((LastOptions(eventBatch), store));
            return Task.CompletedTask;
        }

        private static string? LastOptions(EventDataBatch batch) =>
            typeof(EventDataBatch).GetProperty("SendOptions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?
                .GetValue(batch) is SendEventOptions options ? options.PartitionKey : null;
    }

    private static TelemetryBatch Batch(int samples) =>
        TelemetryBatch.Create(
            "host-42",
            Enumerable.Range(1, samples)
                .Select(i => new TelemetrySample(i, new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero).AddSeconds(i), 0.5, 0.25, 0.125,
                    [new VmSample("vm-1", 0.2, 4096, 10), new VmSample("vm-2", 0.3, 8192, 20)]))
                .ToList());

    [Fact]
    public async Task Large_batches_are_split_into_events_and_event_batches_by_size_with_the_host_as_partition_key()
    {
        var producer = new RecordingProducer(maxBatchBytes: 10_000);
        var publisher = new EventHubTelemetryPublisher(producer, maxEventBytes: 3_000);
        var batch = Batch(300);

        await publisher.PublishAsync(batch, CancellationToken.None);

        Assert.True(producer.Sent.Count > 1, "expected several Event Hubs batches");
        Assert.All(producer.Sent, s => Assert.Equal("host-42", s.PartitionKey));
        var events = producer.Sent.SelectMany(s => s.Events).ToList();
        Assert.All(events, e => Assert.True(e.EventBody.ToMemory().Length <= 3_000));
        Assert.All(events, e => Assert.Equal("application/json", e.ContentType));
        Assert.All(events, e => Assert.Equal("host-42", e.Properties[EventHubTelemetryPublisher.HostIdProperty]));

        // Every event is a valid batch on its own, and together they carry every sample once, in order.
        var validator = new TelemetryValidator(new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)));
        var received = events.SelectMany(e =>
        {
            var result = validator.Validate(e.EventBody.ToMemory());
            Assert.Empty(result.Rejected);
            return result.Accepted;
        }).ToList();
        Assert.Equal(TelemetrySerializer.Serialize(batch), TelemetrySerializer.Serialize(batch with { Samples = received }));
    }

    [Fact]
    public async Task An_event_that_cannot_fit_an_empty_batch_is_a_clear_error()
    {
        var producer = new RecordingProducer(maxBatchBytes: 1_000);
        var publisher = new EventHubTelemetryPublisher(producer, maxEventBytes: 4_000);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => publisher.PublishAsync(Batch(50), CancellationToken.None));
        Assert.Contains("maxEventBytes", error.Message, StringComparison.Ordinal);
    }
}
