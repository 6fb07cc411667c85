using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Pipeline.Ingest;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class IngestReplayTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task A_batch_replayed_three_times_through_the_queue_yields_exactly_the_same_windows()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var queue = harness.Storage.Queues.GetQueueClient(harness.Storage.Names.TelemetryQueue);
        var publisher = new QueueTelemetryPublisher(queue);
        var drainer = new QueueTelemetryDrainer(queue, harness.NewIngestor(), NullLogger<QueueTelemetryDrainer>.Instance);
        var hosts = new[] { "host-a", "host-b" };
        var batches = hosts.Select(h => TelemetryBatch.Create(h, PipelineHarness.Samples(h, 1_000, 200, vms: 40))).ToList();

        var snapshots = new List<string>();
        for (var replay = 1; replay <= 3; replay++)
        {
            foreach (var batch in batches)
            {
                await publisher.PublishAsync(batch, CancellationToken.None);
            }

            var result = await drainer.DrainAsync(1_000, CancellationToken.None);
            Assert.True(result.Payloads > batches.Count, "200 samples with 40 VMs each exceed one 64 KiB message: the publisher splits");
            Assert.Equal(replay == 1 ? 400 : 0, result.Accepted);
            Assert.Equal(replay == 1 ? 0 : 400, result.Duplicates);
            Assert.Equal(0, result.DeadLettered);
            var windows = await Task.WhenAll(hosts.Select(harness.WindowsAsync));
            snapshots.Add(string.Join("\n--\n", windows.Select(PipelineHarness.Describe)));
            for (var i = 0; i < hosts.Length; i++)
            {
                PipelineHarness.AssertWindows(PipelineHarness.Expected(batches[i].Samples), windows[i]);
                var latest = windows[i][^1];
                Assert.Equal(batches[i].Samples[^1].Sequence, latest.VmsSequence);
                Assert.Equal(40, latest.Vms!.Count);
            }
        }

        Assert.Equal(snapshots[0], snapshots[1]);
        Assert.Equal(snapshots[0], snapshots[2]);
        Assert.Equal(hosts, (await harness.Hosts.ListHostIdsAsync(CancellationToken.None)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Samples_arriving_out_of_order_and_overlapping_are_each_counted_once()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var ingestor = harness.NewIngestor();
        var samples = PipelineHarness.Samples("host-c", 0, 300);
        var parts = new[] { samples.Skip(200).ToList(), samples.Take(120).ToList(), samples.Skip(100).Take(150).ToList(), samples.ToList() };
        var accepted = 0;
        var index = 0;
        foreach (var part in parts)
        {
            var payload = new IncomingPayload(
                TelemetrySerializer.Serialize(TelemetryBatch.Create("host-c", part)),
                new Storage.PayloadOrigin("test", (index++).ToString(System.Globalization.CultureInfo.InvariantCulture), PipelineHarness.Now));
            accepted += (await ingestor.IngestAsync([payload], CancellationToken.None)).Accepted;
        }

        Assert.Equal(300, accepted);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("host-c"));
    }
}
