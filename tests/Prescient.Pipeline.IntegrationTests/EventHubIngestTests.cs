using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class EventHubIngestTests(AzuriteFixture fixture)
{
    private static EventHubCheckpointStore Checkpoints(PipelineHarness harness, FakePartitionSource source) =>
        new(harness.Storage.Table(n => n.Checkpoints), source.FullyQualifiedNamespace, source.EventHubName, source.ConsumerGroup, harness.Time);

    private static EventHubPartitionDrainer Drainer(PipelineHarness harness, FakePartitionSource source, Func<string, long, CancellationToken, Task>? beforeCheckpoint = null) =>
        new(source, Checkpoints(harness, source), harness.NewIngestor(), harness.Time, NullLogger<EventHubPartitionDrainer>.Instance,
            new EventHubDrainOptions { BatchSize = 25 })
        {
            BeforeCheckpoint = beforeCheckpoint,
        };

    [Fact]
    public async Task A_crash_between_the_window_write_and_the_checkpoint_loses_nothing_and_double_counts_nothing()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var source = new FakePartitionSource();
        var hosts = new[] { "h0", "h1", "h2" };
        var all = hosts.ToDictionary(h => h, h => PipelineHarness.Samples(h, 1, 300));
        // 10 events per host of 30 samples each, interleaved as agents would send them.
        source.Append("0", Enumerable.Range(0, 10).SelectMany(i => hosts.Select(h => TelemetryBatch.Create(h, all[h].Skip(i * 30).Take(30).ToList()))));

        // First run: the process dies after storing the second batch of 25 events, before its checkpoint.
        var calls = 0;
        var crashing = Drainer(harness, source, (_, _, _) => ++calls == 2 ? throw new IOException("simulated crash before checkpoint") : Task.CompletedTask);
        await Assert.ThrowsAsync<IOException>(() => crashing.DrainPartitionAsync("0", CancellationToken.None));
        var checkpoint = await Checkpoints(harness, source).GetCheckpointAsync("0", CancellationToken.None);
        Assert.Equal(24, checkpoint!.SequenceNumber);

        // Recovery run (another instance): re-reads events 25..29 that were already stored, then the rest.
        var recovered = await Drainer(harness, source).DrainPartitionAsync("0", CancellationToken.None);
        Assert.True(recovered.Claimed, "the crashed run released its claim in finally");
        Assert.Equal(5, recovered.Events);
        Assert.Equal(29, recovered.CheckpointSequenceNumber);
        Assert.Equal(5 * 30, recovered.Ingest.Duplicates);
        Assert.Equal(0, recovered.Ingest.Accepted);

        foreach (var host in hosts)
        {
            PipelineHarness.AssertWindows(PipelineHarness.Expected(all[host]), await harness.WindowsAsync(host));
        }

        // Nothing new: a third run reads nothing and leaves the checkpoint.
        var idle = await Drainer(harness, source).DrainPartitionAsync("0", CancellationToken.None);
        Assert.Equal(0, idle.Events);
        Assert.Equal("drained", idle.StoppedBecause);
    }

    [Fact]
    public async Task A_partition_claimed_by_another_consumer_is_skipped_and_a_run_stops_at_its_budget()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var source = new FakePartitionSource();
        var samples = PipelineHarness.Samples("b1", 1, 250);
        source.Append("0", samples.Chunk(10).Select(c => TelemetryBatch.Create("b1", c)));
        var store = Checkpoints(harness, source);
        var other = await store.TryClaimAsync("0", "other-consumer", TimeSpan.FromMinutes(2), CancellationToken.None);

        var skipped = await Drainer(harness, source).DrainPartitionAsync("0", CancellationToken.None);
        Assert.False(skipped.Claimed);
        Assert.Equal(0, source.Opened);

        await store.ReleaseAsync(other!, CancellationToken.None);
        var budgeted = new EventHubPartitionDrainer(source, store, harness.NewIngestor(), harness.Time, NullLogger<EventHubPartitionDrainer>.Instance,
            new EventHubDrainOptions { BatchSize = 4, MaxEventsPerPartition = 10 });
        var first = await budgeted.DrainPartitionAsync("0", CancellationToken.None);
        Assert.Equal(("event budget spent", 10, 9L), (first.StoppedBecause, first.Events, first.CheckpointSequenceNumber!.Value));
        var second = await budgeted.DrainPartitionAsync("0", CancellationToken.None);
        Assert.Equal(("event budget spent", 10, 19L), (second.StoppedBecause, second.Events, second.CheckpointSequenceNumber!.Value));
        var rest = await Drainer(harness, source).DrainPartitionAsync("0", CancellationToken.None);
        Assert.Equal((5, 24L), (rest.Events, rest.CheckpointSequenceNumber!.Value));
        Assert.Equal(0, first.Ingest.Duplicates + second.Ingest.Duplicates + rest.Ingest.Duplicates);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("b1"));
    }

    [Fact]
    public async Task A_crash_before_deleting_queue_messages_redelivers_them_without_double_counting()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var queue = harness.Storage.Queues.GetQueueClient(harness.Storage.Names.TelemetryQueue);
        var samples = PipelineHarness.Samples("qh", 1, 120);
        var publisher = new QueueTelemetryPublisher(queue);
        foreach (var chunk in samples.Chunk(20))
        {
            await publisher.PublishAsync(TelemetryBatch.Create("qh", chunk), CancellationToken.None);
        }

        var crashing = new QueueTelemetryDrainer(queue, harness.NewIngestor(), NullLogger<QueueTelemetryDrainer>.Instance)
        {
            VisibilityTimeout = TimeSpan.FromSeconds(1),
            BeforeDelete = _ => throw new IOException("simulated crash before delete"),
        };
        await Assert.ThrowsAsync<IOException>(() => crashing.DrainAsync(100, CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var drainer = new QueueTelemetryDrainer(queue, harness.NewIngestor(), NullLogger<QueueTelemetryDrainer>.Instance);
        var result = await drainer.DrainAsync(100, CancellationToken.None);
        Assert.Equal(6, result.Payloads);
        Assert.Equal(0, result.Accepted);
        Assert.Equal(120, result.Duplicates);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("qh"));
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task A_round_that_outlasts_the_visibility_timeout_finishes_and_its_redelivery_counts_nothing_twice()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var queue = harness.Storage.Queues.GetQueueClient(harness.Storage.Names.TelemetryQueue);
        var samples = PipelineHarness.Samples("qv", 1, 120);
        var publisher = new QueueTelemetryPublisher(queue);
        foreach (var chunk in samples.Chunk(20))
        {
            await publisher.PublishAsync(TelemetryBatch.Create("qv", chunk), CancellationToken.None);
        }

        // Before deleting, wait until the messages are visible again and another consumer takes them (new pop receipts).
        var taken = 0;
        var slow = new QueueTelemetryDrainer(queue, harness.NewIngestor(), NullLogger<QueueTelemetryDrainer>.Instance)
        {
            VisibilityTimeout = TimeSpan.FromSeconds(1),
            BeforeDelete = async ct =>
            {
                while (taken < 6)
                {
                    taken += (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1), ct)).Value.Length;
                    await Task.Delay(100, ct);
                }
            },
        };
        var first = await slow.DrainAsync(6, CancellationToken.None);
        Assert.Equal(120, first.Accepted);

        // The messages come back once the other consumer's visibility runs out; drain until all six were seen again.
        var drainer = new QueueTelemetryDrainer(queue, harness.NewIngestor(), NullLogger<QueueTelemetryDrainer>.Instance);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var again = IngestResult.Empty;
        while (again.Payloads < 6)
        {
            again = again.Add(await drainer.DrainAsync(100, giveUp.Token));
            await Task.Delay(100, giveUp.Token);
        }

        Assert.Equal(0, again.Accepted);
        Assert.Equal(120, again.Duplicates);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("qv"));
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task Hostile_events_all_land_in_dead_letters_with_reasons_while_valid_events_in_the_same_batch_are_stored()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var source = new FakePartitionSource();
        var hostile = HostileEvents.Make(1_000);
        var good = Enumerable.Range(0, 4).ToDictionary(h => "good-" + h, h => PipelineHarness.Samples("good-" + h, 1, 300));
        var valid = Enumerable.Range(0, 40)
            .Select(i => TelemetryBatch.Create("good-" + (i % 4), good["good-" + (i % 4)].Skip(i / 4 * 30).Take(30).ToList()))
            .ToList();
        var bodies = new List<byte[]>();
        var v = 0;
        for (var i = 0; i < hostile.Count; i++)
        {
            bodies.Add(hostile[i].Body);
            if (i % 25 == 0 && v < valid.Count)
            {
                bodies.Add(TelemetrySerializer.Serialize(valid[v++]));
            }
        }

        while (v < valid.Count)
        {
            bodies.Add(TelemetrySerializer.Serialize(valid[v++]));
        }

        source.Append("3", bodies);
        var drainer = new EventHubPartitionDrainer(
            source, Checkpoints(harness, source), harness.NewIngestor(), harness.Time, NullLogger<EventHubPartitionDrainer>.Instance,
            new EventHubDrainOptions { BatchSize = 500 });

        var result = await drainer.DrainPartitionAsync("3", CancellationToken.None);

        Assert.Equal(bodies.Count, result.Events);
        Assert.Equal(bodies.Count - 1, result.CheckpointSequenceNumber);
        Assert.Equal(1_000, result.Ingest.DeadLettered);
        Assert.Equal(40 * 30 + hostile.Count(h => h.Code == RejectionCodes.SequenceNotIncreasing), result.Ingest.Accepted);
        var letters = await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(PipelineHarness.Now.UtcDateTime), 5_000, CancellationToken.None);
        Assert.Equal(1_000, letters.Count);
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.All(letters, l => Assert.True(l.Payload.Length <= DeadLetterStore.MaxPayloadBytes * 4 / 3 + 4));
        var expectedCodes = hostile.GroupBy(h => h.Code).ToDictionary(g => g.Key, g => g.Count());
        var actualCodes = letters.GroupBy(l => l.Code).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedCodes.OrderBy(kv => kv.Key), actualCodes.OrderBy(kv => kv.Key));
        Assert.Contains(letters, l => l.Truncated && l.Code == RejectionCodes.PayloadTooLarge && l.PayloadBytes > 1024 * 1024);

        foreach (var (host, samples) in good)
        {
            PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync(host));
        }

        // Redelivery of the whole partition (checkpoint lost): still 1,000 dead letters (same rows), windows unchanged.
        var again = await new EventHubPartitionDrainer(
            new FakePartitionSourceFromStart(source), Checkpoints(harness, source), harness.NewIngestor(), harness.Time,
            NullLogger<EventHubPartitionDrainer>.Instance).DrainPartitionAsync("3", CancellationToken.None);
        Assert.Equal(0, again.Ingest.Accepted);
        Assert.Equal(1_000, (await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(PipelineHarness.Now.UtcDateTime), 5_000, CancellationToken.None)).Count);
    }

    /// <summary>Ignores the checkpoint: reads the partition from its start (a lost checkpoint, or a replay).</summary>
    private sealed class FakePartitionSourceFromStart(FakePartitionSource inner) : IPartitionSource
    {
        public string FullyQualifiedNamespace => inner.FullyQualifiedNamespace;

        public string EventHubName => inner.EventHubName;

        public string ConsumerGroup => inner.ConsumerGroup;

        public Task<IReadOnlyList<string>> GetPartitionIdsAsync(CancellationToken cancellationToken) => inner.GetPartitionIdsAsync(cancellationToken);

        public IPartitionReader Open(string partitionId, long? afterSequenceNumber) => inner.Open(partitionId, null);
    }
}
