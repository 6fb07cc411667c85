using System.Globalization;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Local.Benchmarks;
using Prescient.Pipeline.Ingest;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.IntegrationTests;

/// <summary>A host's sequence number is counted at most once ever, across windows (the per-host ledger row).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SequenceLedgerStoreTests(AzuriteFixture fixture)
{
    private static IncomingPayload Payload(string hostId, IEnumerable<TelemetrySample> samples, string id) => new(
        TelemetrySerializer.Serialize(TelemetryBatch.Create(hostId, samples.ToList())),
        new PayloadOrigin("test", id, PipelineHarness.Now));

    private static HashSet<long> SequencesOf(IEnumerable<StoredWindow> windows) =>
        windows.SelectMany(w => w.Sequences).SelectMany(r => Enumerable.Range(0, (int)r.Length).Select(i => r.First + i)).ToHashSet();

    [Fact]
    public async Task A_sequence_resent_with_a_timestamp_in_another_period_is_counted_once_and_dead_lettered_with_both_times()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var ingestor = harness.NewIngestor();
        var samples = PipelineHarness.Samples("reuse", 1, 30);
        var first = await ingestor.IngestAsync([Payload("reuse", samples, "1")], CancellationToken.None);
        Assert.Equal(30, first.Accepted);

        // Sample 5 again, two hours earlier (another period), and sample 6 again exactly as it was (a redelivery).
        var moved = samples[4] with { Timestamp = samples[4].Timestamp.AddHours(-2) };
        var second = await ingestor.IngestAsync([Payload("reuse", [moved, samples[5]], "2")], CancellationToken.None);

        Assert.Equal(0, second.Accepted);
        Assert.Equal(1, second.Duplicates);
        Assert.Equal(1, second.DeadLettered);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("reuse"));
        var letter = Assert.Single(await harness.DeadLetters.ListAsync(DateOnly.FromDateTime(PipelineHarness.Now.UtcDateTime), 100, CancellationToken.None));
        Assert.Equal(RejectionCodes.SequenceReused, letter.Code);
        Assert.Equal(5, letter.Sequence);
        Assert.Equal("2", letter.Origin.Id);
        var originalPeriod = PeriodCalendar.Default.PeriodOf(samples[4].Timestamp);
        var originalStart = PeriodCalendar.Default.StartOf(originalPeriod);
        Assert.Contains("host 'reuse'", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("Sequence 5 ", letter.Reason, StringComparison.Ordinal);
        Assert.Contains(originalStart.ToString("O", CultureInfo.InvariantCulture), letter.Reason, StringComparison.Ordinal);
        Assert.Contains(moved.Timestamp.ToString("O", CultureInfo.InvariantCulture), letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_copies_of_a_sequence_with_different_timestamps_in_one_call_count_the_first_and_report_the_second()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = harness.NewWindowStore();
        var samples = PipelineHarness.Samples("twice", 1, 10);
        var copy = samples[2] with { Timestamp = samples[2].Timestamp.AddHours(-3), Cpu = 0.99 };

        var result = await store.ApplyAsync("twice", [.. samples, copy, samples[3]], CancellationToken.None);

        Assert.Equal(10, result.Accepted);
        Assert.Equal(1, result.Duplicates);
        var refused = Assert.Single(result.Refused);
        Assert.Equal(RejectionCodes.SequenceReused, refused.Code);
        Assert.Same(copy, refused.Sample);
        Assert.Contains(samples[2].Timestamp.ToString("O", CultureInfo.InvariantCulture), refused.Reason, StringComparison.Ordinal);
        Assert.Contains(copy.Timestamp.ToString("O", CultureInfo.InvariantCulture), refused.Reason, StringComparison.Ordinal);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("twice"));
    }

    [Fact]
    public async Task A_crash_between_the_transactions_of_a_large_batch_then_a_redelivery_neither_loses_nor_double_counts()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        // Samples spread over 6 periods (one every 4 minutes), and a store that puts each window in its own
        // transaction (as rows with thousands of VMs do): the crash comes after the first of those transactions.
        var samples = Enumerable.Range(1, 30)
            .Select(i => new TelemetrySample(i, PipelineHarness.Now.AddHours(-3).AddMinutes(4 * i), 0.01 * i, 0.2, 0.1))
            .ToList();
        var crashing = new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu) { MaxTransactionChars = 1 };
        crashing.AfterTransaction = (index, _) => index == 0 ? throw new IOException("simulated crash after the first transaction") : Task.CompletedTask;

        await Assert.ThrowsAsync<IOException>(() => crashing.ApplyAsync("crash", samples, CancellationToken.None));

        // What the crash left: windows and ledger agree (every counted sequence is in the ledger and nothing more).
        var afterCrash = await harness.WindowsAsync("crash");
        Assert.Single(afterCrash);
        var ledger = await harness.NewWindowStore().GetLedgerAsync("crash", CancellationToken.None);
        Assert.Equal(SequencesOf(afterCrash).Order(), Enumerable.Range(0, 100).Select(i => (long)i).Where(s => ledger.StatusOf(s) == LedgerStatus.Counted));

        // A copy of a sequence the crash counted, with another period's timestamp, is refused; then the redelivery.
        var reuse = samples[0] with { Timestamp = samples[^1].Timestamp };
        var redelivered = await new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu) { MaxTransactionChars = 1 }
            .ApplyAsync("crash", [reuse], CancellationToken.None);
        Assert.Equal(RejectionCodes.SequenceReused, Assert.Single(redelivered.Refused).Code);
        // The redelivery also writes one window per transaction, each chained to the ledger ETag of the one before.
        var again = await new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu) { MaxTransactionChars = 1 }
            .ApplyAsync("crash", samples, CancellationToken.None);

        Assert.Equal(0, again.Conflicts);
        Assert.Equal(30 - afterCrash[0].Count, again.Accepted);
        Assert.Equal(afterCrash[0].Count, again.Duplicates);
        Assert.Empty(again.Refused);
        PipelineHarness.AssertWindows(PipelineHarness.Expected(samples), await harness.WindowsAsync("crash"));
        var final = await harness.NewWindowStore().GetLedgerAsync("crash", CancellationToken.None);
        Assert.Equal([new SequenceRange(1, 30)], final.Ranges);
    }

    [Fact]
    public async Task Two_concurrent_ingesters_with_overlapping_batches_and_moved_copies_count_every_sequence_exactly_once()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var samples = PipelineHarness.Samples("overlap", 1, 300, vms: 1);
        // Ingester A sends the samples as they are; ingester B sends overlapping batches in which every third sample
        // carries a timestamp 40 minutes earlier (another period): whichever copy lands first is counted, never both.
        var moved = samples.Select(s => s.Sequence % 3 == 0 ? s with { Timestamp = s.Timestamp.AddMinutes(-40) } : s).ToList();
        var a = harness.NewIngestor();
        var b = harness.NewIngestor();

        async Task<IngestResult> Run(TelemetryIngestor ingestor, IReadOnlyList<TelemetrySample> source, int size, int step, string name)
        {
            var total = IngestResult.Empty;
            for (var start = 0; start < source.Count; start += step)
            {
                var batch = source.Skip(start).Take(size).ToList();
                total = total.Add(await ingestor.IngestAsync(
                    [Payload("overlap", batch, name + start.ToString(CultureInfo.InvariantCulture))], CancellationToken.None));
            }

            return total;
        }

        var results = await Task.WhenAll(
            Task.Run(() => Run(a, samples, 20, 15, "a")),
            Task.Run(() => Run(b, moved, 25, 20, "b")));

        var windows = await harness.WindowsAsync("overlap");
        Assert.Equal(300, results.Sum(r => r.Accepted));
        Assert.Equal(300, windows.Sum(w => w.Count));
        Assert.Equal(300, windows.Sum(w => w.Sequences.Sum(r => r.Length)));
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), SequencesOf(windows).Order());
        // Each sample's sum went in once: the total workload equals the samples' (a moved copy carries the same cpu).
        Assert.Equal(samples.Sum(s => s.Cpu), windows.Sum(w => w.Sum), 6);
        var ledger = await harness.NewWindowStore().GetLedgerAsync("overlap", CancellationToken.None);
        Assert.Equal([new SequenceRange(1, 300)], ledger.Ranges);
    }

    [Fact]
    public async Task The_ledger_stays_a_few_ranges_after_ten_thousand_increasing_sequences_with_gaps()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = harness.NewWindowStore();
        var start = PipelineHarness.Now.AddDays(-3);
        var gaps = new HashSet<long> { 1_000, 5_000, 5_001, 5_002, 7_777 };
        var samples = Enumerable.Range(1, 10_000)
            .Where(i => !gaps.Contains(i))
            .Select(i => new TelemetrySample(i, start.AddSeconds(20 * i), 0.3, 0.2, 0.1))
            .ToList();
        foreach (var batch in samples.Chunk(500))
        {
            Assert.Equal(batch.Length, (await store.ApplyAsync("long", batch, CancellationToken.None)).Accepted);
        }

        var ledger = await store.GetLedgerAsync("long", CancellationToken.None);
        Assert.Equal([new SequenceRange(1, 999), new SequenceRange(1_001, 4_999), new SequenceRange(5_003, 7_776), new SequenceRange(7_778, 10_000)], ledger.Ranges);
        Assert.Equal(0, ledger.Floor);
        // The ledger is kept in the host's head row.
        var row = (await store.Table.GetEntityAsync<Azure.Data.Tables.TableEntity>(store.PartitionOf("long"), WindowStore.HeadRowKey("long"))).Value;
        Assert.True(row.GetString("Sequences_0").Length < 64, row.GetString("Sequences_0"));
        // The windows' range queries never see the ledger row.
        Assert.Equal(samples.Count, (await harness.WindowsAsync("long")).Sum(w => w.Count));
    }

    [Fact]
    public async Task A_bounded_ledger_folds_old_gaps_under_its_floor_and_refuses_a_late_gap_sample_instead_of_guessing()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var store = new WindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu, new WindowStoreOptions { MaxLedgerRanges = 2 });
        var start = PipelineHarness.Now.AddHours(-5);
        TelemetrySample At(long sequence) => new(sequence, start.AddSeconds(20 * sequence), 0.4, 0.2, 0.1);
        // Three gaps (10, 20, 30): four ranges, folded to the newest two, so the floor is 21.
        var samples = Enumerable.Range(1, 40).Where(i => i % 10 != 0).Select(i => At(i)).ToList();
        await store.ApplyAsync("bounded", samples, CancellationToken.None);
        var ledger = await store.GetLedgerAsync("bounded", CancellationToken.None);
        Assert.Equal(21, ledger.Floor);
        Assert.Equal([new SequenceRange(21, 29), new SequenceRange(31, 39)], ledger.Ranges);

        // Below the floor: a redelivery into its own window is still a duplicate; the late gap sample 10 is refused
        // (the ledger no longer knows whether it was counted), and so is a copy of 5 in another period; 30 is new.
        var result = await store.ApplyAsync("bounded", [At(5), At(10), At(30)], CancellationToken.None);
        var moved = await store.ApplyAsync("bounded", [At(5) with { Timestamp = start.AddHours(3) }], CancellationToken.None);

        Assert.Equal(1, result.Accepted);
        Assert.Equal(1, result.Duplicates);
        var late = Assert.Single(result.Refused);
        Assert.Equal((10L, RejectionCodes.SequenceExpired), (late.Sample.Sequence, late.Code));
        Assert.Contains("floor 21", late.Reason, StringComparison.Ordinal);
        Assert.Equal(0, moved.Accepted);
        Assert.Equal(RejectionCodes.SequenceExpired, Assert.Single(moved.Refused).Code);
        Assert.Equal(samples.Count + 1, (await harness.WindowsAsync("bounded")).Sum(w => w.Count));
    }

    [Fact]
    public async Task Windows_written_before_the_ledger_existed_still_deduplicate_and_are_recorded_in_the_ledger_on_redelivery()
    {
        var harness = await PipelineHarness.CreateAsync(fixture);
        var samples = PipelineHarness.Samples("legacy", 1, 40);
        // As stored by the version without a ledger: windows of the earlier layout (a row per period), no ledger row.
        var earlier = new PeriodRowWindowStore(harness.Storage.Table(n => n.Windows), PeriodCalendar.Default, WorkloadMeasure.Cpu);
        await earlier.ApplyAsync("legacy", samples, CancellationToken.None);
        await earlier.Table.DeleteEntityAsync("legacy", WindowStore.LedgerRowKey);
        var store = harness.NewWindowStore();

        var redelivered = await store.ApplyAsync("legacy", samples, CancellationToken.None);
        Assert.Equal(0, redelivered.Accepted);
        Assert.Equal(40, redelivered.Duplicates);
        Assert.Equal([new SequenceRange(1, 40)], (await store.GetLedgerAsync("legacy", CancellationToken.None)).Ranges);

        var moved = samples[0] with { Timestamp = samples[0].Timestamp.AddHours(-4) };
        var reused = await store.ApplyAsync("legacy", [moved, .. PipelineHarness.Samples("legacy", 41, 1)], CancellationToken.None);
        Assert.Equal(1, reused.Accepted);
        Assert.Equal(RejectionCodes.SequenceReused, Assert.Single(reused.Refused).Code);
        Assert.Equal(41, (await harness.WindowsAsync("legacy")).Sum(w => w.Count));
    }
}
