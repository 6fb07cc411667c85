using System.Text;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>Dead letters on Azurite: one row per reason per payload, with a count; queried by reason, host and time.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeadLetterTests(AzuriteFixture azurite)
{
    private static IncomingPayload Payload(string json, string id, DateTimeOffset enqueuedAt) =>
        new(Encoding.UTF8.GetBytes(json), new PayloadOrigin("queue:telemetry", id, enqueuedAt));

    private static string SharedSequenceBatch(string hostId, int samples) =>
        "{\"schemaVersion\":1,\"hostId\":\"" + hostId + "\",\"samples\":[" +
        string.Join(",", Enumerable.Range(0, samples).Select(i =>
            $"{{\"sequence\":7,\"timestamp\":\"2026-11-24T11:{i % 60:D2}:00Z\",\"cpu\":0.5,\"mem\":0.1,\"io\":0}}")) + "]}";

    [Fact]
    public async Task Five_hundred_samples_sharing_a_sequence_write_one_row_with_a_count_and_a_redelivery_writes_none()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        var payload = Payload(SharedSequenceBatch("h1", 500), "m1", PipelineHarness.Now);

        var result = await harness.NewIngestor().IngestAsync([payload], CancellationToken.None);
        var again = await harness.NewIngestor().IngestAsync([payload], CancellationToken.None);

        Assert.Equal(1, result.Accepted);
        Assert.Equal(499, result.DeadLettered);
        Assert.Equal(0, again.Accepted);
        var letter = Assert.Single(await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(PipelineHarness.Now.UtcDateTime), 1000, CancellationToken.None));
        Assert.Equal(RejectionCodes.SequenceNotIncreasing, letter.Code);
        Assert.Equal(499, letter.Count);
        Assert.Equal(1, letter.SampleIndex);
        Assert.Equal(499, letter.LastSampleIndex);
        Assert.Contains("samples[1] sequence 7 does not increase", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("498 more", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("h1", letter.HostId);
    }

    [Fact]
    public async Task Different_reasons_in_one_payload_keep_a_row_each()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        var json = """
            {"schemaVersion":1,"hostId":"h2","samples":[
              {"sequence":1,"timestamp":"2026-11-24T11:50:00Z","cpu":"NaN","mem":0.1,"io":0},
              {"sequence":2,"timestamp":"2026-11-24T11:51:00Z","cpu":1.5,"mem":0.1,"io":0},
              {"sequence":3,"timestamp":"2026-11-24T11:52:00Z","cpu":2.5,"mem":0.1,"io":0},
              {"sequence":4,"timestamp":"2026-11-24T11:53:00Z","cpu":0.5,"mem":0.1,"io":0}
            ]}
            """;
        await harness.NewIngestor().IngestAsync([Payload(json, "m2", PipelineHarness.Now)], CancellationToken.None);

        var letters = await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(PipelineHarness.Now.UtcDateTime), 1000, CancellationToken.None);
        Assert.Equal(
            [(RejectionCodes.NonFiniteValue, 1), (RejectionCodes.OutOfRange, 2)],
            letters.Select(l => (l.Code, l.Count)).Order().ToList());
    }

    [Fact]
    public async Task A_query_filters_by_reason_host_and_time_newest_first_and_counts_every_reason()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        var ingestor = harness.NewIngestor();
        // Day 1: h1 sends a bad batch (499 repeats) and junk; day 2 (a redelivery window apart): h2 sends a bad batch.
        await ingestor.IngestAsync([Payload(SharedSequenceBatch("h1", 500), "a", PipelineHarness.Now), Payload("{junk", "b", PipelineHarness.Now)], CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromDays(1));
        await ingestor.IngestAsync([Payload(SharedSequenceBatch("h2", 3), "c", harness.Time.GetUtcNow())], CancellationToken.None);

        var all = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now.AddDays(-1), harness.Time.GetUtcNow().AddMinutes(1), null, null, 100), CancellationToken.None);
        Assert.Equal(["c", "a", "b"], all.DeadLetters.Select(d => d.Origin.Id));
        Assert.Equal([(RejectionCodes.InvalidJson, 1, 1), (RejectionCodes.SequenceNotIncreasing, 2, 501)],
            all.ByReason.Select(c => (c.Reason, c.Rows, c.Samples)).ToList());

        var h2 = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now.AddDays(-1), harness.Time.GetUtcNow().AddMinutes(1), null, "h2", 100), CancellationToken.None);
        Assert.Equal(2, Assert.Single(h2.DeadLetters).Count);

        var junk = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now.AddDays(-1), harness.Time.GetUtcNow().AddMinutes(1), RejectionCodes.InvalidJson, null, 100), CancellationToken.None);
        Assert.Equal("b", Assert.Single(junk.DeadLetters).Origin.Id);
        Assert.Single(junk.ByReason);

        var firstDay = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now.AddHours(-1), PipelineHarness.Now.AddHours(1), null, null, 100), CancellationToken.None);
        Assert.Equal(["a", "b"], firstDay.DeadLetters.Select(d => d.Origin.Id).Order(StringComparer.Ordinal));

        var one = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now.AddDays(-1), harness.Time.GetUtcNow().AddMinutes(1), null, null, 1), CancellationToken.None);
        Assert.Equal("c", Assert.Single(one.DeadLetters).Origin.Id);
        Assert.Equal(2, one.ByReason.Count);

        var found = await harness.DeadLetters.GetAsync(all.DeadLetters[0].Id, CancellationToken.None);
        Assert.NotNull(found);
        Assert.Contains("\"sequence\":7", found.Payload, StringComparison.Ordinal);
        Assert.Equal("h2", found.HostId);
        Assert.Null(await harness.DeadLetters.GetAsync("20261124.bm90aGluZw", CancellationToken.None));
        Assert.Null(await harness.DeadLetters.GetAsync("garbage", CancellationToken.None));
    }

    [Fact]
    public async Task A_redelivery_just_after_midnight_updates_the_row_of_the_day_before()
    {
        var harness = await PipelineHarness.CreateAsync(azurite);
        harness.Time.Advance(TimeSpan.FromHours(11.9));
        var payload = Payload(SharedSequenceBatch("h1", 5), "late", harness.Time.GetUtcNow());
        await harness.NewIngestor().IngestAsync([payload], CancellationToken.None);
        harness.Time.Advance(TimeSpan.FromMinutes(20));
        await harness.NewIngestor().IngestAsync([payload], CancellationToken.None);

        var all = await harness.DeadLetters.QueryAsync(new DeadLetterQuery(PipelineHarness.Now, harness.Time.GetUtcNow().AddMinutes(1), null, null, 100), CancellationToken.None);
        Assert.Equal(4, Assert.Single(all.DeadLetters).Count);
    }
}
