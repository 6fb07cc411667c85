using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Local.Benchmarks;

/// <summary>
/// The window layout before docs/adr/0003, kept as the benchmark's baseline and to produce rows of that layout in
/// migration tests: per-host, per-period windows in an Azure table: partition = host id, row key = <c>yyyyMMdd-NNN</c> (sorts by time).
/// Each row carries Core's <see cref="WindowState"/>, including the set of sequence numbers already counted in it.
/// Each host's partition also holds one ledger row (<see cref="LedgerRowKey"/>, sorting after every window row, so
/// range queries over windows never see it): the host's sequence numbers counted in any window
/// (<see cref="SequenceLedger"/>). A sample is counted only if its sequence is in neither its window nor the ledger,
/// so a sequence number is counted at most once ever, whatever its timestamp says; applying a batch is idempotent: a
/// redelivered sample is a duplicate and changes nothing, in any order.
/// A batch's windows are written in entity-group transactions (up to 99 rows of the host's partition plus the
/// ledger row), each row conditional on the ETag it was read with (new rows: add). Windows and the ledger therefore
/// change together or not at all. A concurrent writer makes the transaction fail with 412/409 and the batch is
/// re-read and re-applied, so two ingesters never lose or double-count a sample.
/// </summary>
public sealed partial class PeriodRowWindowStore
{
    /// <summary>Row key of a host's sequence ledger: '~' sorts after the digits of every window row key.</summary>
    public const string LedgerRowKey = "~sequences";

    /// <summary>Window rows per transaction: an entity-group transaction takes 100 actions, one of them is the ledger.</summary>
    private const int MaxRowsPerTransaction = 99;

    private readonly TableClient _table;
    private readonly WindowStoreOptions _options;

    public PeriodRowWindowStore(TableClient table, PeriodCalendar calendar, WorkloadMeasure measure, WindowStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(measure);
        _table = table;
        Calendar = calendar;
        Measure = measure;
        _options = options ?? new WindowStoreOptions();
        _options.Validate();
    }

    public PeriodCalendar Calendar { get; }

    /// <summary>Most characters of window rows in one transaction (a transaction carries at most 4 MiB).</summary>
    private const int MaxTransactionChars = 1_500_000;

    public WorkloadMeasure Measure { get; }

    public TableClient Table => _table;

    public static string RowKeyOf(PeriodKey period) =>
        period.Date.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + period.Index.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>
    /// Counts <paramref name="samples"/> (valid samples of one host, any order) into their windows, each sequence
    /// number at most once ever. A copy of an already counted sequence is a duplicate when it lands in the window that
    /// counted it; with a timestamp in another period (or another timestamp than a copy earlier in this call) it is
    /// refused as <see cref="RejectionCodes.SequenceReused"/>, with a reason naming both.
    /// </summary>
    public async Task<WindowWriteResult> ApplyAsync(string hostId, IReadOnlyList<TelemetrySample> samples, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentNullException.ThrowIfNull(samples);
        // One sequence number is one sample: a second copy in the same call is a duplicate if it is the same sample,
        // and a reuse of the number if its timestamp differs (not counted, reported).
        var refused = new List<RefusedSample>();
        var firstCopies = new Dictionary<long, TelemetrySample>();
        var duplicates = 0;
        foreach (var sample in samples)
        {
            if (!firstCopies.TryAdd(sample.Sequence, sample))
            {
                var first = firstCopies[sample.Sequence];
                if (first.Timestamp == sample.Timestamp)
                {
                    duplicates++;
                }
                else
                {
                    refused.Add(new RefusedSample(sample, RejectionCodes.SequenceReused, string.Create(CultureInfo.InvariantCulture,
                        $"Sequence {sample.Sequence} of host '{hostId}' arrived twice in one ingest with different timestamps ({first.Timestamp:O} and {sample.Timestamp:O}); only the first is considered. {ReuseAdvice}")));
                }
            }
        }

        var byPeriod = firstCopies.Values
            .GroupBy(s => Calendar.PeriodOf(s.Timestamp))
            .OrderBy(g => g.Key)
            .Select(g => (Period: g.Key, Samples: g.OrderBy(s => s.Sequence).ToList()))
            .ToList();

        var conflicts = 0;
        var acceptedHere = new HashSet<long>();
        var reused = new List<(TelemetrySample Sample, PeriodKey Period)>();
        foreach (var chunk in byPeriod.Chunk(MaxRowsPerTransaction))
        {
            for (var attempt = 1; ; attempt++)
            {
                var outcome = await TryApplyChunkAsync(hostId, chunk, acceptedHere, cancellationToken);
                if (outcome is { } done)
                {
                    duplicates += done.Duplicates;
                    refused.AddRange(done.Refused);
                    reused.AddRange(done.Reused);
                    break;
                }

                conflicts++;
                if (attempt >= _options.MaxConflictRetries)
                {
                    throw new InvalidOperationException(
                        string.Create(CultureInfo.InvariantCulture, $"Windows of host '{hostId}' kept changing under {attempt} attempts; giving up (the batch will be redelivered)."));
                }

                // Back off a little, with jitter, so that racing writers do not collide again in lockstep.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * Math.Min(attempt, 10))), cancellationToken);
            }
        }

        if (reused.Count > 0)
        {
            refused.AddRange(await DescribeReusesAsync(hostId, reused, cancellationToken));
        }

        return new WindowWriteResult(acceptedHere.Count, duplicates, conflicts, refused);
    }

    /// <summary>The host's sequence ledger as stored (empty when the host has none yet, e.g. windows written before the ledger existed).</summary>
    public async Task<SequenceLedger> GetLedgerAsync(string hostId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(hostId, LedgerRowKey, cancellationToken: cancellationToken);
        return ReadLedger(response.HasValue ? response.Value : null);
    }

    /// <summary>Windows of <paramref name="hostId"/> from <paramref name="from"/> to <paramref name="to"/> inclusive, in period order.</summary>
    public async Task<IReadOnlyList<StoredWindow>> GetAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {RowKeyOf(from)} and RowKey le {RowKeyOf(to)}");
        var result = new List<StoredWindow>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            result.Add(LegacyWindows.ToStoredWindow(entity, Calendar));
        }

        return result;
    }

    /// <summary>
    /// Only the count and mean of each window from <paramref name="from"/> to <paramref name="to"/>, in period order:
    /// a projection (four columns), so a retrain reading weeks of windows moves a fraction of the bytes.
    /// </summary>
    public async Task<IReadOnlyList<(PeriodKey Period, int Count, double Mean)>> GetMeansAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {RowKeyOf(from)} and RowKey le {RowKeyOf(to)}");
        var result = new List<(PeriodKey, int, double)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", "Count", "SumNanos"], cancellationToken: cancellationToken))
        {
            result.Add(LegacyWindows.ToMean(row));
        }

        return result;
    }

    private const string ReuseAdvice =
        "A sequence number stands for one sample for the life of the host: check that the agent's next-sequence file survived (reinstall, restored disk image, cloned host).";

    private sealed record ChunkOutcome(int Duplicates, List<RefusedSample> Refused, List<(TelemetrySample Sample, PeriodKey Period)> Reused);

    private sealed record PendingWrite(TableTransactionAction Action, int Chars, List<long> Counted);

    /// <summary>
    /// Reads the chunk's window rows and the ledger, classifies every sample, and writes the changed windows with the
    /// ledger. Null when a concurrent writer won (the caller re-reads and retries). Sequences counted by a committed
    /// transaction are added to <paramref name="acceptedHere"/>, so that a retry after a partly written chunk does not
    /// report this call's own samples as duplicates.
    /// </summary>
    private async Task<ChunkOutcome?> TryApplyChunkAsync(
        string hostId,
        (PeriodKey Period, List<TelemetrySample> Samples)[] chunk,
        HashSet<long> acceptedHere,
        CancellationToken cancellationToken)
    {
        var (existing, ledgerRow) = await ReadRowsAsync(hostId, chunk, cancellationToken);
        var ledger = ReadLedger(ledgerRow);
        var ledgerRepaired = false;
        var pending = new List<PendingWrite>(chunk.Length);
        var duplicates = 0;
        var refused = new List<RefusedSample>();
        var reused = new List<(TelemetrySample, PeriodKey)>();
        foreach (var (period, periodSamples) in chunk)
        {
            var rowKey = RowKeyOf(period);
            existing.TryGetValue(rowKey, out var row);
            var state = row is null ? null : ReadState(row);
            var window = state is null ? new WorkingWindow(hostId, period) : state;
            var counted = new List<long>();
            foreach (var sample in periodSamples)
            {
                if (window.Accumulator.Sequences.Contains(sample.Sequence))
                {
                    if (!acceptedHere.Contains(sample.Sequence))
                    {
                        duplicates++;
                    }

                    // Counted in this window but unknown to the ledger: a window written before the ledger existed.
                    // Recording it now protects it from a reuse in another period from here on.
                    ledgerRepaired |= ledger.Add(sample.Sequence);
                    continue;
                }

                switch (ledger.StatusOf(sample.Sequence))
                {
                    case LedgerStatus.Counted:
                        reused.Add((sample, period));
                        continue;
                    case LedgerStatus.BelowFloor:
                        refused.Add(new RefusedSample(sample, RejectionCodes.SequenceExpired, string.Create(CultureInfo.InvariantCulture,
                            $"Sequence {sample.Sequence} of host '{hostId}' (timestamp {sample.Timestamp:O}, period {Describe(period)}) is below the host's ledger floor {ledger.Floor} and not counted in its period's window: sequences under the floor were counted in another period or given up long ago (the ledger keeps the newest {_options.MaxLedgerRanges} ranges), so it is not counted. {ReuseAdvice}")));
                        continue;
                    default:
                        break;
                }

                if (window.Accumulator.Count >= _options.MaxSamplesPerWindow)
                {
                    refused.Add(new RefusedSample(sample, RejectionCodes.WindowFull, string.Create(CultureInfo.InvariantCulture,
                        $"The window {Describe(period)} of host '{hostId}' already counts {window.Accumulator.Count} samples, the most one period takes.")));
                    continue;
                }

                var workload = Math.Clamp(Measure.Combine(sample.Cpu, sample.Mem, sample.Io), 0, 1);
                window.Accumulator.Apply(new WorkloadSample(hostId, sample.Sequence, sample.Timestamp, workload));
                window.CpuNanos += ToNanos(sample.Cpu);
                window.MemNanos += ToNanos(sample.Mem);
                window.IoNanos += ToNanos(sample.Io);
                if (sample.Vms is { } vms && (window.VmsSequence is null || sample.Sequence > window.VmsSequence))
                {
                    window.Vms = vms;
                    window.VmsSequence = sample.Sequence;
                    window.VmsChanged = true;
                }

                counted.Add(sample.Sequence);
            }

            if (counted.Count == 0)
            {
                continue;
            }

            var entity = ToEntity(window, row);
            pending.Add(new PendingWrite(
                row is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, row.ETag),
                EstimateChars(entity),
                counted));
        }

        if (pending.Count == 0 && !ledgerRepaired)
        {
            return new ChunkOutcome(duplicates, refused, reused);
        }

        // Usually one transaction: the changed windows and the ledger. Very large rows (thousands of VMs) would pass
        // the 4 MiB a transaction carries, so they are split into several transactions, each with the ledger as it
        // stands after its own windows: the ledger never names a sequence whose window is not written in the same
        // transaction or an earlier one, and every transaction is atomic. So there is no point between a window write
        // and its ledger write where a crash could leave them disagreeing: a redelivery after a crash finds each
        // sample either counted (window and ledger) or not at all. Each ledger write is conditional on the ETag of the
        // one before (from the read, then from the previous transaction's response), so a rival writer in between
        // makes it fail and the chunk is re-read; what was already committed then reads as counted by this call.
        var groups = new List<List<PendingWrite>> { new() };
        var groupChars = 0;
        foreach (var write in pending)
        {
            if (groups[^1].Count > 0 && groupChars + write.Chars > MaxTransactionChars)
            {
                groups.Add([]);
                groupChars = 0;
            }

            groups[^1].Add(write);
            groupChars += write.Chars;
        }

        var ledgerETag = ledgerRow?.ETag;
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var write in groups[g])
            {
                foreach (var sequence in write.Counted)
                {
                    ledger.Add(sequence);
                }
            }

            ledger.Compact(_options.MaxLedgerRanges);
            var ledgerEntity = ToLedgerEntity(hostId, ledger);
            var actions = groups[g].Select(w => w.Action).ToList();
            actions.Add(ledgerETag is { } etag
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, ledgerEntity, etag)
                : new TableTransactionAction(TableTransactionActionType.Add, ledgerEntity));
            Response<IReadOnlyList<Response>> response;
            try
            {
                response = await _table.SubmitTransactionAsync(actions, cancellationToken);
            }
            catch (RequestFailedException exception) when (exception.Status is 409 or 412)
            {
                return null;
            }

            foreach (var write in groups[g])
            {
                acceptedHere.UnionWith(write.Counted);
            }

            if (g + 1 < groups.Count)
            {
                ledgerETag = response.Value.Count == actions.Count ? response.Value[^1].Headers.ETag : null;
                if (ledgerETag is null)
                {
                    // Cannot chain without the new ETag: re-read; what was committed reads as counted by this call.
                    return null;
                }
            }
        }

        return new ChunkOutcome(duplicates, refused, reused);
    }

    /// <summary>Reasons for samples whose sequence the ledger says was counted in another window.</summary>
    private static Task<List<RefusedSample>> DescribeReusesAsync(string hostId, List<(TelemetrySample Sample, PeriodKey Period)> reused, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        return Task.FromResult(reused.Select(r => new RefusedSample(r.Sample, RejectionCodes.SequenceReused, string.Create(CultureInfo.InvariantCulture,
            $"Sequence {r.Sample.Sequence} of host '{hostId}' was already counted in another period's window; this copy (period {Describe(r.Period)}) is not counted again. {ReuseAdvice}"))).ToList());
    }

    private static string Describe(PeriodKey period) =>
        period.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " #" + period.Index.ToString(CultureInfo.InvariantCulture);
}
