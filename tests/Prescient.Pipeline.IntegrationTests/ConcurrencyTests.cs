using Azure;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

[Collection(AzuriteCollection.Name)]
public sealed class ConcurrencyTests(AzuriteFixture fixture)
{
    [Fact]
    public async Task Two_concurrent_ingesters_on_the_same_hosts_windows_produce_correct_totals()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var samples = PipelineHarness.Samples("shared", 1, 600);
        // Small batches that all touch the same few windows; each ingester gets every sample (one in order, one
        // reversed), as after a redelivery racing the original delivery.
        var batches = samples.Chunk(15).Select((chunk, i) => new IncomingPayload(
            TelemetrySerializer.Serialize(TelemetryBatch.Create("shared", chunk)),
            new PayloadOrigin("test", i.ToString(System.Globalization.CultureInfo.InvariantCulture), PipelineHarness.Now))).ToList();
        var a = harness.NewIngestor();
        var b = harness.NewIngestor();

        async Task<IngestResult> Run(TelemetryIngestor ingestor, IEnumerable<IncomingPayload> order)
        {
            var total = IngestResult.Empty;
            foreach (var pair in order.Chunk(2))
            {
                total = total.Add(await ingestor.IngestAsync(pair, CancellationToken.None));
            }

            return total;
        }

        var results = await Task.WhenAll(Task.Run(() => Run(a, batches)), Task.Run(() => Run(b, Enumerable.Reverse(batches))));

        Assert.Equal(600, results.Sum(r => r.Accepted));
        Assert.Equal(600, results.Sum(r => r.Duplicates));
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("shared"));
    }

    [Fact]
    public async Task A_writer_that_loses_the_etag_race_rereads_and_counts_both_its_samples_and_the_rivals()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var samples = PipelineHarness.Samples("race", 1, 90);
        var slow = harness.NewWindowStore();
        var rival = harness.NewWindowStore();
        await slow.ApplyAsync("race", samples.Take(30).ToList(), CancellationToken.None);

        // The slow writer reads the rows, then the rival writes the same windows before the slow writer commits.
        var interleaved = false;
        slow.AfterRead = async ct =>
        {
            if (!interleaved)
            {
                interleaved = true;
                Assert.Equal(30, (await rival.ApplyAsync("race", samples.Skip(30).Take(30).ToList(), ct)).Accepted);
            }
        };
        var result = await slow.ApplyAsync("race", samples.Skip(60).Concat(samples.Take(10)).ToList(), CancellationToken.None);

        Assert.Equal(1, result.Conflicts);
        Assert.Equal(30, result.Accepted);
        Assert.Equal(10, result.Duplicates);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("race"));
    }

    [Fact]
    public async Task Concurrent_writers_on_one_window_resolve_through_etags()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        // 8 writers, each with its own store, each adding distinct samples to the same single window at once.
        var at = PipelineHarness.Now.AddMinutes(-30);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var store = harness.NewWindowStore();
            var total = new WindowWriteResult(0, 0, 0, []);
            for (var k = 0; k < 5; k++)
            {
                var sample = new TelemetrySample(w * 100 + k, at.AddSeconds(w * 5 + k), 0.01 * (w + 1), 0.1, 0.1);
                var r = await store.ApplyAsync("one", [sample], CancellationToken.None);
                total = total with { Accepted = total.Accepted + r.Accepted, Conflicts = total.Conflicts + r.Conflicts };
            }

            return total;
        })).ToList();
        var results = await Task.WhenAll(writers);

        var window = Assert.Single(await harness.WindowsAsync("one"));
        Assert.Equal(40, window.Count);
        Assert.Equal(40, results.Sum(r => r.Accepted));
        Assert.Equal(Enumerable.Range(0, 8).Sum(w => 5 * 0.01 * (w + 1)), window.Sum, 9);
    }
}
