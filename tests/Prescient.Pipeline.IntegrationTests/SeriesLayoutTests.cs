using Prescient.Core.Calendar;
using Prescient.Core.Workload;
using Prescient.Local.Benchmarks;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>The time-series layout of the window store (docs/adr/0003): batching, day and week rows, migration.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SeriesLayoutTests(AzuriteFixture fixture)
{
    /// <summary>A sample every <paramref name="every"/> from <paramref name="start"/>, numbered from <paramref name="first"/>, with a varied workload.</summary>
    private static List<TelemetrySample> Series(string hostId, DateTimeOffset start, TimeSpan every, long first, int count, int vms = 0)
    {
        var seed = hostId.Aggregate(7, (h, c) => h * 31 + c);
        return Enumerable.Range(0, count).Select(i =>
        {
            var sequence = first + i;
            var cpu = ((sequence * 7919 + seed) % 1000 + 1000) % 1000 / 1000.0;
            return new TelemetrySample(
                sequence, start + every * i, cpu, 0.25, 0.125,
                vms == 0 ? null : Enumerable.Range(0, vms).Select(v => new VmSample($"{hostId}-vm{v}", cpu / (vms + 1), 1024, v)).ToList());
        }).ToList();
    }

    [Fact]
    public async Task Many_hosts_applied_together_share_transactions_and_each_gets_exactly_its_windows()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = harness.NewWindowStore();
        var transactions = 0;
        store.AfterTransaction = (_, _) =>
        {
            Interlocked.Increment(ref transactions);
            return Task.CompletedTask;
        };
        var start = PipelineHarness.Now.AddDays(-2).AddMinutes(-30);
        var byHost = Enumerable.Range(0, 120).ToDictionary(
            h => "fleet-" + h,
            h => (IReadOnlyList<TelemetrySample>)Series("fleet-" + h, start, TimeSpan.FromMinutes(7), 1, 420));

        var results = await store.ApplyAsync(byHost, CancellationToken.None);

        // Two days and more of samples: each host writes its head and one or two bucket rows, and the 120 hosts share
        // the 16 partitions' transactions instead of taking one each.
        Assert.True(transactions <= 40, $"{transactions} transactions for 120 hosts");
        foreach (var (hostId, samples) in byHost)
        {
            Assert.Equal(samples.Count, results[hostId].Accepted);
            PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync(hostId));
        }

        // Applied again: every sample is a duplicate, and nothing is written.
        transactions = 0;
        var again = await store.ApplyAsync(byHost, CancellationToken.None);
        Assert.All(again.Values, r => Assert.Equal((0, 420), (r.Accepted, r.Duplicates)));
        Assert.Equal(0, transactions);
    }

    [Fact]
    public async Task Batches_over_nine_days_in_any_order_give_the_same_windows_and_means_per_host_and_in_bulk()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var start = PipelineHarness.Now.AddDays(-9);
        var samples = Series("weeks", start, TimeSpan.FromMinutes(9), 1, 9 * 160);
        var batches = samples.Chunk(37).ToList();
        var shuffled = batches.OrderBy(b => (b[0].Sequence * 7_777) % 101).ToList();
        var store = harness.NewWindowStore();
        var accepted = 0;
        foreach (var batch in shuffled)
        {
            accepted += (await store.ApplyAsync("weeks", batch, CancellationToken.None)).Accepted;
        }

        // A late redelivery of the first days, through another store (its own cache), changes nothing.
        var late = await harness.NewWindowStore().ApplyAsync("weeks", samples.Take(400).ToList(), CancellationToken.None);

        Assert.Equal(samples.Count, accepted);
        Assert.Equal((0, 400), (late.Accepted, late.Duplicates));
        var expected = PipelineHarness.Expected(samples);
        var windows = await harness.WindowsAsync("weeks");
        PipelineHarness.AssertWindows(expected, windows);
        var calendar = PeriodCalendar.Default;
        var from = calendar.PeriodOf(start.AddDays(2));
        var to = calendar.PeriodOf(PipelineHarness.Now);
        var means = await store.GetMeansAsync("weeks", from, to, CancellationToken.None);
        Assert.Equal(windows.Where(w => w.Period >= from && w.Period <= to).Select(w => (w.Period, w.Count, w.Mean)), means);
        var bulk = await store.GetMeansAsync([.. Enumerable.Range(0, 20).Select(i => "other-" + i), "weeks"], from, to, CancellationToken.None);
        Assert.Equal(means, bulk["weeks"]);
        Assert.Empty(bulk["other-3"]);
        var ledger = await store.GetLedgerAsync("weeks", CancellationToken.None);
        Assert.Equal([new Core.Windows.SequenceRange(1, samples.Count)], ledger.Ranges);
    }

    [Fact]
    public async Task The_latest_windows_of_many_hosts_come_with_their_latest_vm_list()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = harness.NewWindowStore();
        var start = PipelineHarness.Now.AddHours(-3);
        var byHost = Enumerable.Range(0, 30).ToDictionary(
            h => "latest-" + h,
            h => (IReadOnlyList<TelemetrySample>)Series("latest-" + h, start, TimeSpan.FromMinutes(1), 100, 170, vms: h % 3));
        await store.ApplyAsync(byHost, CancellationToken.None);

        var latest = await store.GetLatestAsync([.. byHost.Keys, "silent"], CancellationToken.None);

        Assert.Empty(latest["silent"]);
        foreach (var (hostId, samples) in byHost)
        {
            var full = await harness.WindowsAsync(hostId);
            var newest = latest[hostId];
            Assert.Equal(full.TakeLast(4).Select(w => (w.Period, w.Count, w.Sum, w.Max, w.CpuMean, w.MemMean, w.IoMean)),
                newest.Select(w => (w.Period, w.Count, w.Sum, w.Max, w.CpuMean, w.MemMean, w.IoMean)));
            var withVms = newest.Where(w => w.Vms is not null).ToList();
            if (samples[^1].Vms is { } vms)
            {
                var window = Assert.Single(withVms);
                Assert.Equal(samples[^1].Sequence, window.VmsSequence);
                Assert.Equal(vms.Select(v => v.VmId), window.Vms!.Select(v => v.VmId));
                Assert.Equal(full[^1].Vms!.Select(v => v.VmId), window.Vms!.Select(v => v.VmId));
            }
            else
            {
                Assert.Empty(withVms);
            }
        }
    }

    [Fact]
    public async Task Hosts_of_the_earlier_layout_are_read_as_they_were_and_migrated_on_their_next_write_without_double_counting()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var table = harness.Storage.Table(n => n.Windows);
        var earlier = new PeriodRowWindowStore(table, PeriodCalendar.Default, WorkloadMeasure.Cpu);
        var start = PipelineHarness.Now.AddDays(-10);
        var old = Series("migrant", start, TimeSpan.FromMinutes(11), 1, 1_200, vms: 2);
        await earlier.ApplyAsync("migrant", old, CancellationToken.None);
        await earlier.ApplyAsync("stayer", Series("stayer", start, TimeSpan.FromMinutes(30), 1, 50), CancellationToken.None);
        var all = new PeriodKey(new DateOnly(2000, 1, 1), 0);
        var end = new PeriodKey(new DateOnly(2100, 1, 1), 0);
        var asStoredBefore = await earlier.GetAsync("migrant", all, end, CancellationToken.None);

        // Before any write: read from the earlier layout, as that layout read them.
        var store = harness.NewWindowStore();
        var read = await store.GetAsync("migrant", all, end, CancellationToken.None);
        Assert.Equal(PipelineHarness.Describe(asStoredBefore), PipelineHarness.Describe(read));
        Assert.Equal(
            asStoredBefore.Select(w => (w.Period, w.Count, w.Mean)),
            await store.GetMeansAsync("migrant", all, end, CancellationToken.None));

        // The next write migrates the host: old samples redelivered are duplicates, a moved copy is refused, new ones count.
        var newer = Series("migrant", old[^1].Timestamp.AddMinutes(11), TimeSpan.FromMinutes(11), 1_201, 300, vms: 2);
        var moved = old[10] with { Timestamp = newer[^1].Timestamp };
        var result = await store.ApplyAsync("migrant", [.. old.Skip(1_000), moved, .. newer], CancellationToken.None);
        Assert.Equal((300, 200), (result.Accepted, result.Duplicates));
        Assert.Equal(RejectionCodes.SequenceReused, Assert.Single(result.Refused).Code);

        // The earlier rows are no longer read for it: delete them, and the windows are all still there.
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == "migrant"))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        var windows = await harness.WindowsAsync("migrant");
        PipelineHarness.AssertWindows(PipelineHarness.Expected([.. old, .. newer]), windows);
        Assert.Equal(newer[^1].Sequence, windows[^1].VmsSequence);
        Assert.Equal([new Core.Windows.SequenceRange(1, 1_500)], (await store.GetLedgerAsync("migrant", CancellationToken.None)).Ranges);
        // A host that has not written since is still read from the earlier layout.
        Assert.Equal(50, (await harness.WindowsAsync("stayer")).Sum(w => w.Count));
    }

    [Fact]
    public async Task A_store_configured_with_other_partitions_than_the_table_was_laid_out_with_refuses_to_touch_it()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        await harness.NewWindowStore().ApplyAsync("h1", PipelineHarness.Samples("h1", 1, 5), CancellationToken.None);
        var other = new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu, new WindowStoreOptions { Partitions = 32 });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => other.ApplyAsync("h1", PipelineHarness.Samples("h1", 6, 5), CancellationToken.None));

        Assert.Contains("16 partitions", error.Message, StringComparison.Ordinal);
        Assert.Contains("Prescient:Pipeline:Windows:Partitions", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, (await harness.WindowsAsync("h1")).Sum(w => w.Count));
    }

    [Fact]
    public async Task A_window_keeps_a_bounded_number_of_sequence_runs_and_refuses_a_sample_that_would_start_one_more()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu, new WindowStoreOptions { MaxRangesPerWindow = 3 });
        var at = PipelineHarness.Now.AddMinutes(-30);
        TelemetrySample At(long sequence) => new(sequence, at.AddSeconds(sequence), 0.5, 0.1, 0.1);

        var result = await store.ApplyAsync("runs", [At(1), At(3), At(5), At(7), At(8)], CancellationToken.None);
        // 2 fills a gap (joining 1 and 3), so 7 now fits as a third run.
        var filled = await store.ApplyAsync("runs", [At(2), At(7)], CancellationToken.None);

        Assert.Equal(3, result.Accepted);
        Assert.Equal([7L, 8L], result.Refused.Select(r => r.Sample.Sequence));
        Assert.All(result.Refused, r => Assert.Equal(RejectionCodes.WindowFull, r.Code));
        Assert.Contains("3 separate runs", result.Refused[0].Reason, StringComparison.Ordinal);
        Assert.Equal(2, filled.Accepted);
        Assert.Equal(5, Assert.Single(await harness.WindowsAsync("runs")).Count);
    }
}
