using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Pipeline.Evaluate;
using Prescient.Pipeline.Migration;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>An evaluation cycle at fleet size: a few queries to read the fleet, batched writes (docs/scale.md).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FleetEvaluateTests(AzuriteFixture fixture)
{
    /// <summary>Counts the requests a client sends (the tests' measure of "a few queries").</summary>
    private sealed class RequestCounter : HttpPipelinePolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Interlocked.Increment(ref _count);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Interlocked.Increment(ref _count);
            return ProcessNextAsync(message, pipeline);
        }
    }

    private sealed class NoScheduler : IMigrationScheduler
    {
        public Task<MigrationStartResult> StartAsync(MigrationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MigrationStartResult(request.MigrationId, false, "not in this test"));

        public Task<MigrationStartResult> StartEvacuationAsync(EvacuationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new MigrationStartResult(request.EvacuationId, false, "not in this test"));

        public Task<IReadOnlySet<string>> GetBusyVmIdsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlySet<string>>(new HashSet<string>());
    }

    private sealed record Counted(TableServiceClient Tables, BlobServiceClient Blobs, RequestCounter Counter);

    private Counted CountedClients()
    {
        var counter = new RequestCounter();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        return new Counted(new TableServiceClient(fixture.ConnectionString, tableOptions), new BlobServiceClient(fixture.ConnectionString, blobOptions), counter);
    }

    [Fact]
    public async Task A_cycle_over_a_fleet_reads_and_writes_in_fewer_requests_than_hosts_and_decides_for_every_host()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var calendar = PeriodCalendar.Default;
        var start = calendar.StartOf(calendar.Previous(calendar.PeriodOf(PipelineHarness.Now)));
        var hostIds = Enumerable.Range(0, 150).Select(h => "fleet-" + h).ToList();
        await harness.NewWindowStore().ApplyAsync(
            hostIds.Select((h, n) => (h, n)).ToDictionary(
                x => x.h,
                x => (IReadOnlyList<TelemetrySample>)[.. Enumerable.Range(0, 5).Select(i => new TelemetrySample(
                    i + 1, start.AddMinutes(2 * i + 1), 0.3 + (x.n % 7) * 0.01, 0.2, 0.01,
                    [new VmSample(x.h + "-vm", 0.2, 2048, 1)]))]),
            CancellationToken.None);
        await harness.Hosts.TouchAsync(hostIds, PipelineHarness.Now, CancellationToken.None);

        var (tables, blobs, counter) = CountedClients();
        var names = harness.Storage.Names;
        var windows = new WindowStore(tables.GetTableClient(names.Windows), calendar, WorkloadMeasure.Cpu);
        var models = new ModelStore(blobs.GetBlobContainerClient(names.ModelContainer), tables.GetTableClient(names.Models));
        var hosts = new HostStateStore(tables.GetTableClient(names.Hosts));
        var decisions = new DecisionStore(tables.GetTableClient(names.Decisions));
        var scheduler = new NoScheduler();
        var reader = new FleetSnapshotReader(
            windows, models, hosts, new SettingsStore(tables.GetTableClient(names.Settings), harness.Time), scheduler, null,
            NullLogger<FleetSnapshotReader>.Instance, new EvaluateOptions());
        var service = new EvaluateService(reader, hosts, decisions, scheduler, calendar, harness.Time, NullLogger<EvaluateService>.Instance);

        var result = await service.RunCycleAsync(CancellationToken.None);

        // Reads: the hosts partition, the VM moves, the settings, one query over each window partition's heads, the
        // layout check; writes: the controller states in transactions of 100, the decisions in one per partition.
        Assert.True(counter.Count < 60, $"{counter.Count} requests for {hostIds.Count} hosts");
        Assert.Equal(hostIds.Order(StringComparer.Ordinal), result.Decisions.Select(d => d.HostId));
        Assert.All(result.Decisions, d => Assert.NotNull(d.Decision));
        var states = await harness.Hosts.ListAsync(CancellationToken.None);
        Assert.All(states, s => Assert.Equal(result.CycleId, s.LastCycleId));
        var stored = await decisions.ListAsync("fleet-7", 5, CancellationToken.None);
        Assert.Equal(result.CycleId, Assert.Single(stored).CycleId);

        // The same cycle again (a timer firing twice): every host is already evaluated, nothing is decided again.
        var again = await service.RunCycleAsync(CancellationToken.None);
        Assert.Empty(again.Decisions);
    }

    [Fact]
    public async Task Models_are_read_once_and_again_only_when_a_retrain_stores_a_new_version()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var (tables, blobs, counter) = CountedClients();
        var names = harness.Storage.Names;
        var models = new ModelStore(blobs.GetBlobContainerClient(names.ModelContainer), tables.GetTableClient(names.Models));
        var hosts = new HostStateStore(tables.GetTableClient(names.Hosts));
        var settings = new SettingsStore(tables.GetTableClient(names.Settings), harness.Time);
        var reader = new FleetSnapshotReader(
            new WindowStore(tables.GetTableClient(names.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu), models, hosts, settings, new NoScheduler(), null,
            NullLogger<FleetSnapshotReader>.Instance, new EvaluateOptions());
        var at = PipelineHarness.Now;
        async Task SaveAsync(string hostId, DateTimeOffset trainedAt, string content)
        {
            var version = ModelStore.VersionOf(trainedAt);
            await models.SaveAsync(new ModelMetadata(hostId, version, trainedAt, "Training", 1, 100, 10, 5, null, null, null, null), System.Text.Encoding.UTF8.GetBytes(content), CancellationToken.None);
            await hosts.UpdateModelAsync(hostId, version, 0.1, "Training", trainedAt, CancellationToken.None);
        }

        foreach (var h in new[] { "m1", "m2", "m3" })
        {
            await SaveAsync(h, at, "model of " + h);
        }

        await hosts.TouchAsync(["m4"], at, CancellationToken.None);
        async Task<int> ReadAsync()
        {
            counter.Reset();
            await reader.ReadAsync(at, "c1", CancellationToken.None);
            return counter.Count;
        }

        var first = await ReadAsync();
        var second = await ReadAsync();
        await SaveAsync("m2", at.AddHours(1), "retrained m2");
        var third = await ReadAsync();

        // Three models read (each its current row and its blob), then none, then the one retrained.
        Assert.Equal(3, reader.CachedModels);
        Assert.True(first - second >= 6, $"{first} then {second} requests");
        Assert.Equal(2, third - second);
    }

    [Fact]
    public async Task Controller_states_commit_in_batches_and_a_row_another_job_changed_is_retried_alone()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var hosts = harness.Hosts;
        var at = PipelineHarness.Now;
        var ids = Enumerable.Range(0, 130).Select(i => "c" + i).ToList();
        Assert.Equal(130, (await hosts.TryUpdateControllersAsync([.. ids.Select(h => Update(h, "{\"v\":1}", "c1", default, null))], CancellationToken.None)).Count);
        var read = (await hosts.ListAsync(CancellationToken.None)).ToDictionary(s => s.HostId);

        // Meanwhile: ingest touches c5 (its ETag changes, its controller does not), another evaluation takes c9 for c2.
        await hosts.TouchAsync(["c5"], at.AddMinutes(1), CancellationToken.None);
        Assert.True(await hosts.TryUpdateControllerAsync("c9", "Proactive", "{\"v\":9}", "rival", at, "c2", null, read["c9"].ETag, CancellationToken.None, read["c9"].ControllerStateJson));

        var stored = await hosts.TryUpdateControllersAsync(
            [.. ids.Select(h => Update(h, "{\"v\":2}", "c2", read[h].ETag, read[h].ControllerStateJson))], CancellationToken.None);

        Assert.Equal(ids.Where(h => h != "c9").Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        var after = (await hosts.ListAsync(CancellationToken.None)).ToDictionary(s => s.HostId);
        Assert.Equal("{\"v\":2}", after["c5"].ControllerStateJson);
        Assert.Equal(at.AddMinutes(1), after["c5"].LastIngestAt);
        Assert.Equal("{\"v\":9}", after["c9"].ControllerStateJson);

        ControllerUpdate Update(string hostId, string json, string cycle, Azure.ETag etag, string? readJson) =>
            new(hostId, "Reactive", json, "decided", at, cycle, null, etag, readJson);
    }

    [Fact]
    public async Task Decisions_written_in_batches_are_listed_per_host_with_those_of_the_earlier_layout()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var decisions = new DecisionStore(harness.Storage.Table(n => n.Decisions));
        var calendar = PeriodCalendar.Default;
        var cycle = calendar.PeriodOf(PipelineHarness.Now);
        // A decision of the earlier layout (partition = host id), as that version wrote it.
        var old = new DecisionRecord("d1", "old-cycle", PipelineHarness.Now.AddHours(-1), false, null, "earlier", [], []);
        var legacy = new TableEntity("d1", TableKeys.NewestFirst(PipelineHarness.Now.AddHours(-1))) { ["CycleId"] = "old-cycle" };
        TableText.Write(legacy, "Json", System.Text.Json.JsonSerializer.Serialize(old, DecisionJsonContext.Default.DecisionRecord));
        await decisions.Table.AddEntityAsync(legacy);

        var records = Enumerable.Range(0, 240)
            .Select(i => new DecisionRecord("d" + i, CycleIds.Of(cycle), PipelineHarness.Now, false, null, "summary " + i, [], []))
            .ToList();
        await decisions.WriteManyAsync(records, calendar.StartOf(cycle), CancellationToken.None);
        await decisions.WriteManyAsync(records.Take(10).Select(r => r with { Summary = "re-run" }).ToList(), calendar.StartOf(cycle), CancellationToken.None);

        var d1 = await decisions.ListAsync("d1", 10, CancellationToken.None);
        Assert.Equal([CycleIds.Of(cycle), "old-cycle"], d1.Select(d => d.CycleId));
        Assert.Equal("re-run", d1[0].Summary);
        Assert.Equal("summary 200", Assert.Single(await decisions.ListAsync("d200", 10, CancellationToken.None)).Summary);
        Assert.Single(await decisions.ListAsync("d1", 1, CancellationToken.None));
    }
}
