using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Functions.Tests;

/// <summary>/api/deadletters through its function, over dead letters that real ingest wrote on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeadLettersApiAzuriteTests(AzuriteFixture azurite)
{
    private static string Batch(string hostId, int samples, long sequence = 7) =>
        "{\"schemaVersion\":1,\"hostId\":\"" + hostId + "\",\"samples\":[" +
        string.Join(",", Enumerable.Range(0, samples).Select(i =>
            $"{{\"sequence\":{sequence},\"timestamp\":\"2026-11-23T23:{i % 60:D2}:00Z\",\"cpu\":0.5,\"mem\":0.1,\"io\":0}}")) + "]}";

    /// <summary>Real ingest (validator, window store, dead-letter store) at the app's clock.</summary>
    private async Task IngestAsync(TestApp app, params (string Json, string Id)[] payloads)
    {
        var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var windows = tables.GetTableClient("win" + suffix);
        var hosts = tables.GetTableClient("hst" + suffix);
        await windows.CreateIfNotExistsAsync();
        await hosts.CreateIfNotExistsAsync();
        var ingestor = new TelemetryIngestor(new TelemetryValidator(app.Time), new WindowStore(windows, PeriodCalendar.Default, WorkloadMeasure.Cpu),
            app.DeadLetters, new HostStateStore(hosts), app.Time, NullLogger<TelemetryIngestor>.Instance);
        await ingestor.IngestAsync(
            [.. payloads.Select(p => new IncomingPayload(Encoding.UTF8.GetBytes(p.Json), new PayloadOrigin("queue:telemetry", p.Id, app.Time.GetUtcNow())))],
            CancellationToken.None);
    }

    [Fact]
    public async Task Lists_dead_letters_newest_first_with_counts_by_reason_and_filters_by_reason_host_and_time()
    {
        var app = TestApp.OnAzurite(azurite);
        await IngestAsync(app, (Batch("h1", 500), "m1"), ("{junk", "m2"));
        app.Time.Advance(TimeSpan.FromHours(2));
        await IngestAsync(app, (Batch("h2", 3), "m3"));

        var all = await app.GetAsync("/api/deadletters");
        Assert.True(all.Status == 200, all.Body);
        Assert.Equal(502, all.Json.GetProperty("total").GetInt32());
        var byReason = all.Json.GetProperty("byReason").EnumerateArray()
            .Select(c => (c.GetProperty("reason").GetString(), c.GetProperty("rows").GetInt32(), c.GetProperty("samples").GetInt32())).ToList();
        Assert.Equal([(RejectionCodes.InvalidJson, 1, 1), (RejectionCodes.SequenceNotIncreasing, 2, 501)], byReason);
        var letters = all.Json.GetProperty("deadLetters").EnumerateArray().ToList();
        Assert.Equal(["m3", "m1", "m2"], letters.Select(l => l.GetProperty("originId").GetString()));
        Assert.Equal(499, letters[1].GetProperty("count").GetInt32());
        Assert.Equal("h1", letters[1].GetProperty("hostId").GetString());
        Assert.Contains("498 more", letters[1].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(letters[1].TryGetProperty("payload", out _));

        var h1 = await app.GetAsync("/api/deadletters?host=h1");
        Assert.Equal(["m1"], h1.Json.GetProperty("deadLetters").EnumerateArray().Select(l => l.GetProperty("originId").GetString()));
        var junk = await app.GetAsync("/api/deadletters?reason=invalid-json");
        Assert.Equal(["m2"], junk.Json.GetProperty("deadLetters").EnumerateArray().Select(l => l.GetProperty("originId").GetString()));
        var early = await app.GetAsync("/api/deadletters?to=" + Uri.EscapeDataString(app.Time.GetUtcNow().AddHours(-1).ToString("O")));
        Assert.Equal(2, early.Json.GetProperty("deadLetters").GetArrayLength());
        var one = await app.GetAsync("/api/deadletters?limit=1");
        Assert.Single(one.Json.GetProperty("deadLetters").EnumerateArray());
        Assert.Equal(502, one.Json.GetProperty("total").GetInt32());

        var id = letters[2].GetProperty("id").GetString()!;
        var detail = await app.GetAsync("/api/deadletters/" + Uri.EscapeDataString(id));
        Assert.True(detail.Status == 200, detail.Body);
        Assert.Equal("{junk", detail.Json.GetProperty("payload").GetString());
        Assert.Equal("utf-8", detail.Json.GetProperty("payloadEncoding").GetString());
        Assert.Equal(RejectionCodes.InvalidJson, detail.Json.GetProperty("deadLetter").GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("/api/deadletters?reason=Invalid%20JSON", "reason:")]
    [InlineData("/api/deadletters?host=..", "host:")]
    [InlineData("/api/deadletters?from=yesterday", "from:")]
    [InlineData("/api/deadletters?from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z", "must be before")]
    [InlineData("/api/deadletters?from=2026-01-01T00:00:00Z&to=2026-11-19T00:00:00Z", "longer than 31 days")]
    [InlineData("/api/deadletters?limit=0", "limit:")]
    public async Task A_bad_query_is_a_400_naming_the_parameter(string path, string expected)
    {
        var app = TestApp.OnAzurite(azurite);
        var answer = await app.GetAsync(path);
        Assert.Equal(400, answer.Status);
        Assert.Contains(answer.Details, d => d.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/deadletters/20261124.bm90aGluZw")]
    [InlineData("/api/deadletters/nonsense")]
    public async Task An_unknown_dead_letter_is_a_404(string path)
    {
        var app = TestApp.OnAzurite(azurite);
        Assert.Equal(404, (await app.GetAsync(path)).Status);
    }

    [Fact]
    public async Task Dead_letters_need_credentials_in_Azure()
    {
        var app = TestApp.OnAzurite(azurite);
        Assert.Equal(401, (await app.CallAsync("GET", "/api/deadletters")).Status);
    }
}
