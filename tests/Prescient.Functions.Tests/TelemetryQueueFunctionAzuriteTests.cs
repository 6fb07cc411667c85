using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Functions.Telemetry;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Functions.Tests;

/// <summary>The TelemetryQueueIngest function body over the pipeline's ingest and stores on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetryQueueFunctionAzuriteTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 5, 0, TimeSpan.Zero);

    private sealed record Harness(TelemetryFunctions Function, WindowStore Windows, DeadLetterStore DeadLetters, HostStateStore Hosts);

    private async Task<Harness> CreateAsync()
    {
        var storage = PrescientStorage.FromConnectionString(azurite.ConnectionString, new StorageNames("t" + Guid.NewGuid().ToString("N")[..10]));
        await storage.EnsureCreatedAsync(CancellationToken.None);
        var time = new FakeTimeProvider(Now);
        var windows = new WindowStore(storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu);
        var deadLetters = new DeadLetterStore(storage.Table(n => n.DeadLetters), time);
        var hosts = new HostStateStore(storage.Table(n => n.Hosts));
        var ingestor = new TelemetryIngestor(new TelemetryValidator(time), windows, deadLetters, hosts, time, NullLogger<TelemetryIngestor>.Instance);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [AppSettingNames.TelemetryQueueName] = "telemetry" })
            .Build();
        var function = new TelemetryFunctions(ingestor, new ServiceCollection().BuildServiceProvider(), configuration, NullLogger<TelemetryFunctions>.Instance);
        return new Harness(function, windows, deadLetters, hosts);
    }

    private static QueueMessage Message(string id, string body) =>
        QueuesModelFactory.QueueMessage(id, "pop", BinaryData.FromString(body), 1, insertedOn: Now);

    private static string Batch(string hostId, params (long Sequence, double Cpu)[] samples) =>
        "{\"schemaVersion\":1,\"hostId\":\"" + hostId + "\",\"samples\":[" + string.Join(",", samples.Select(s =>
            $"{{\"sequence\":{s.Sequence},\"timestamp\":\"{Now.AddMinutes(-4).AddSeconds(s.Sequence):O}\",\"cpu\":{s.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"mem\":0.5,\"io\":0.1,\"vms\":[]}}")) + "]}";

    [Fact]
    public async Task A_queued_batch_is_stored_in_its_window_and_a_redelivery_counts_once()
    {
        var harness = await CreateAsync();
        var body = Batch("h1", (1, 0.4), (2, 0.6));

        var first = await harness.Function.IngestQueueMessageAsync(Message("m1", body), CancellationToken.None);
        var again = await harness.Function.IngestQueueMessageAsync(Message("m1", body), CancellationToken.None);

        Assert.Equal((2, 0, 0), (first.Accepted, first.Duplicates, first.DeadLettered));
        Assert.Equal((0, 2, 0), (again.Accepted, again.Duplicates, again.DeadLettered));
        var window = Assert.Single(await harness.Windows.GetSinceAsync("h1", Now.AddHours(-1), Now.AddHours(1), CancellationToken.None));
        Assert.Equal(2, window.Count);
        Assert.Equal(1.0, window.Sum, 9);
        Assert.Contains("h1", await harness.Hosts.ListHostIdsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_invalid_message_is_dead_lettered_with_a_reason_and_does_not_throw()
    {
        var harness = await CreateAsync();

        var result = await harness.Function.IngestQueueMessageAsync(Message("bad", "{\"schemaVersion\":1,\"hostId\":\"h2\",\"samples\":[{\"sequence\":1,\"timestamp\":\"2026-11-24T10:01:00Z\",\"cpu\":7,\"mem\":0,\"io\":0}]}"), CancellationToken.None);

        Assert.Equal(0, result.Accepted);
        Assert.True(result.DeadLettered >= 1);
        var letters = await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(Now.UtcDateTime), 10, CancellationToken.None);
        Assert.NotEmpty(letters);
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.Empty(await harness.Windows.GetSinceAsync("h2", Now.AddHours(-1), Now.AddHours(1), CancellationToken.None));
    }

    [Fact]
    public async Task The_event_hub_drain_does_nothing_when_no_hub_is_configured()
    {
        var harness = await CreateAsync();
        await harness.Function.DrainEventHubAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);
        Assert.Empty(await harness.Hosts.ListHostIdsAsync(CancellationToken.None));
    }
}
