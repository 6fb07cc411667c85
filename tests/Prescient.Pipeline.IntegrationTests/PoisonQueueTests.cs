using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>The local queue drainer's poison-message limit and its one-by-one retry of a failing round.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PoisonQueueTests(AzuriteFixture fixture)
{
    /// <summary>A real table client on Azurite whose reads of one host's partition fail, as a broken partition would.</summary>
    private sealed class OneHostFailsTableClient(string connectionString, string tableName, string failingHost) : TableClient(connectionString, tableName)
    {
        public int Failures { get; private set; }

        public override Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        {
            // The host's rows: its partition in the earlier layout, its head row in the series layout.
            if (partitionKey == failingHost || rowKey == WindowStore.HeadRowKey(failingHost))
            {
                Failures++;
                throw new RequestFailedException(500, $"Simulated storage failure for partition '{failingHost}'.");
            }

            return base.GetEntityIfExistsAsync<T>(partitionKey, rowKey, select, cancellationToken);
        }
    }

    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_poison_queue_while_the_good_messages_of_its_round_are_counted_once()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var queue = harness.Storage.Queues.GetQueueClient(harness.Storage.Names.TelemetryQueue);
        var publisher = new QueueTelemetryPublisher(queue);
        var good = Enumerable.Range(0, 4).ToDictionary(h => "good-" + h, h => PipelineHarness.Samples("good-" + h, 1, 60, vms: 1));
        foreach (var (hostId, samples) in good)
        {
            foreach (var chunk in samples.Chunk(20))
            {
                await publisher.PublishAsync(TelemetryBatch.Create(hostId, chunk), CancellationToken.None);
            }
        }

        var bad = TelemetryBatch.Create("bad-host", PipelineHarness.Samples("bad-host", 1, 10, vms: 1));
        await publisher.PublishAsync(bad, CancellationToken.None);
        var badBody = Assert.Single((await queue.PeekMessagesAsync(32)).Value, m => QueueTelemetryDrainer.ToPayload(m.Body.ToMemory(), queue.Name, m.MessageId, default).Body.Span.IndexOf("bad-host"u8) >= 0).Body.ToString();

        var table = new OneHostFailsTableClient(fixture.ConnectionString, harness.Storage.Names.Windows, "bad-host");
        var windows = new WindowStore(table, PeriodCalendar.Default, WorkloadMeasure.Cpu);
        var drainer = new QueueTelemetryDrainer(queue, harness.NewIngestor(windows), NullLogger<QueueTelemetryDrainer>.Instance)
        {
            VisibilityTimeout = TimeSpan.FromSeconds(1),
            MaxDequeueCount = 2,
        };

        // Drain until the queue is empty: the first round fails as a whole, its good messages go in one by one, and
        // the bad message is redelivered until its third delivery moves it to the poison queue.
        var failedDrains = 0;
        for (var round = 0; round < 20 && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0; round++)
        {
            try
            {
                await drainer.DrainAsync(100, CancellationToken.None);
            }
            catch (RequestFailedException exception) when (exception.Status == 500)
            {
                failedDrains++;
            }

            await Task.Delay(TimeSpan.FromSeconds(1.2));
        }

        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var poisoned = Assert.Single((await drainer.PoisonQueue.ReceiveMessagesAsync(32)).Value);
        Assert.Equal(harness.Storage.Names.TelemetryQueue + "-poison", drainer.PoisonQueue.Name);
        Assert.Equal(badBody, poisoned.Body.ToString());
        // Two deliveries, each failing: once in the whole round and once alone (first delivery), then alone again.
        Assert.Equal(3, table.Failures);
        Assert.Equal(1, failedDrains);
        foreach (var (hostId, samples) in good)
        {
            PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync(hostId));
        }

        Assert.Empty(await harness.WindowsAsync("bad-host"));
    }

    [Fact]
    public void The_dequeue_limit_must_be_at_least_one_and_the_poison_queue_name_must_fit()
    {
        var queue = new Azure.Storage.Queues.QueueClient(fixture.ConnectionString, "telemetry");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new QueueTelemetryDrainer(queue, null!, NullLogger<QueueTelemetryDrainer>.Instance) { MaxDequeueCount = 0 });
        Assert.Contains("MaxDequeueCount must be at least 1", error.Message, StringComparison.Ordinal);
        Assert.Equal("telemetry-poison", QueueTelemetryDrainer.PoisonQueueName("telemetry"));
        Assert.Throws<ArgumentException>(() => QueueTelemetryDrainer.PoisonQueueName(new string('q', 60)));
    }
}
