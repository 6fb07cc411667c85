using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// A stored window: a host's samples in one period. <see cref="Sum"/>, <see cref="Max"/> and <see cref="Count"/> are
/// of the combined workload (the measure in force at ingest); the per-resource means let another measure be applied
/// later. <see cref="Vms"/> is the VM list of the period's latest sample that had one.
/// </summary>
public sealed record StoredWindow(
    string HostId,
    PeriodKey Period,
    DateTimeOffset Start,
    double Sum,
    double Max,
    int Count,
    double CpuMean,
    double MemMean,
    double IoMean,
    IReadOnlyList<SequenceRange> Sequences,
    IReadOnlyList<VmSample>? Vms,
    long? VmsSequence)
{
    public double Mean => Count == 0 ? 0 : Math.Clamp(Sum / Count, 0, 1);

    public PeriodWindow ToPeriodWindow() => new(HostId, Period, Sum, Max, Count);
}

/// <summary>A sample the window store refused (for the dead-letter table).</summary>
public sealed record RefusedSample(TelemetrySample Sample, string Code, string Reason);

/// <summary>What one <see cref="WindowStore.ApplyAsync"/> did.</summary>
/// <param name="Accepted">Samples counted now.</param>
/// <param name="Duplicates">Samples already counted earlier (redeliveries): no effect.</param>
/// <param name="Conflicts">Writes lost to a concurrent writer and redone (ETag 412 / 409).</param>
/// <param name="Refused">Samples refused (window full).</param>
public sealed record WindowWriteResult(int Accepted, int Duplicates, int Conflicts, IReadOnlyList<RefusedSample> Refused);

public sealed record WindowStoreOptions
{
    /// <summary>Most samples one window counts (protects the entity size from a hostile sender); at least one per second of the period.</summary>
    public int MaxSamplesPerWindow { get; init; } = 3_600;

    /// <summary>Attempts at one transaction when concurrent writers keep winning.</summary>
    public int MaxConflictRetries { get; init; } = 50;

    /// <summary>
    /// Most ranges a host's sequence ledger keeps (one range plus one per gap in the host's sequence numbers); beyond
    /// it the oldest are folded under the ledger's floor (see <see cref="SequenceLedger"/>). 1,000 ranges are at most
    /// about 40,000 characters, well inside one entity.
    /// </summary>
    public int MaxLedgerRanges { get; init; } = 256;

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the message names it).</exception>
    public void Validate()
    {
        if (MaxSamplesPerWindow < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSamplesPerWindow), MaxSamplesPerWindow, "MaxSamplesPerWindow must be at least 1.");
        }

        if (MaxConflictRetries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConflictRetries), MaxConflictRetries, "MaxConflictRetries must be at least 1.");
        }

        if (MaxLedgerRanges is < 1 or > 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLedgerRanges), MaxLedgerRanges, "MaxLedgerRanges must be between 1 and 1,000.");
        }
    }
}

/// <summary>
/// Per-host, per-period windows in an Azure table: partition = host id, row key = <c>yyyyMMdd-NNN</c> (sorts by time).
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
public sealed class WindowStore
{
    /// <summary>Row key of a host's sequence ledger: '~' sorts after the digits of every window row key.</summary>
    public const string LedgerRowKey = "~sequences";

    /// <summary>Window rows per transaction: an entity-group transaction takes 100 actions, one of them is the ledger.</summary>
    private const int MaxRowsPerTransaction = 99;

    private readonly TableClient _table;
    private readonly WindowStoreOptions _options;

    public WindowStore(TableClient table, PeriodCalendar calendar, WorkloadMeasure measure, WindowStoreOptions? options = null)
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

    /// <summary>Test hook: runs after a chunk's rows are read and before they are written (to interleave a rival writer).</summary>
    internal Func<CancellationToken, Task>? AfterRead { get; set; }

    /// <summary>Test hook: runs after each committed transaction of a chunk (its index), to simulate a crash between two.</summary>
    internal Func<int, CancellationToken, Task>? AfterTransaction { get; set; }

    /// <summary>
    /// Most characters of window rows in one transaction (a transaction carries at most 4 MiB); rows beyond it go in
    /// further transactions, each with the ledger. Settable so that tests can force that path.
    /// </summary>
    internal int MaxTransactionChars { get; init; } = 1_500_000;

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
            result.Add(FromEntity(entity));
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
            var count = row.GetInt32("Count") ?? 0;
            var mean = count == 0 ? 0 : Math.Clamp((row.GetInt64("SumNanos") ?? 0) / WindowAccumulator.NanosPerUnit / count, 0, 1);
            result.Add((ParsePeriod(row), count, mean));
        }

        return result;
    }

    /// <summary>Every window of a host (a retrain reads a few weeks: 2,016 rows a week).</summary>
    public Task<IReadOnlyList<StoredWindow>> GetSinceAsync(string hostId, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
        GetAsync(hostId, Calendar.PeriodOf(since), Calendar.PeriodOf(until), cancellationToken);

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
        if (AfterRead is { } afterRead)
        {
            await afterRead(cancellationToken);
        }

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

            if (AfterTransaction is { } afterTransaction)
            {
                await afterTransaction(g, cancellationToken);
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

    /// <summary>
    /// Reasons for samples whose sequence the ledger says was counted in another window: names the window that counted
    /// it when one within a day of the copy's timestamp has it (one projected query; reuses are rare).
    /// </summary>
    private async Task<List<RefusedSample>> DescribeReusesAsync(string hostId, List<(TelemetrySample Sample, PeriodKey Period)> reused, CancellationToken cancellationToken)
    {
        var from = Calendar.PeriodOf(reused.Min(r => r.Sample.Timestamp) - TimeSpan.FromDays(1));
        var to = Calendar.PeriodOf(reused.Max(r => r.Sample.Timestamp) + TimeSpan.FromDays(1));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {RowKeyOf(from)} and RowKey le {RowKeyOf(to)}");
        var windows = new List<(PeriodKey Period, DateTimeOffset? Start, SequenceSet Sequences)>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", "Start", "Sequences_0", "Sequences_1", "Sequences_2"], cancellationToken: cancellationToken))
        {
            windows.Add((ParsePeriod(row), row.GetDateTimeOffset("Start"), new SequenceSet(ParseRanges(TableText.Read(row, "Sequences")))));
        }

        return reused.Select(r =>
        {
            var (sample, period) = r;
            var original = windows.FirstOrDefault(w => w.Period != period && w.Sequences.Contains(sample.Sequence));
            var where = original.Sequences is null
                ? "in another period's window (none within a day of this copy)"
                : string.Create(CultureInfo.InvariantCulture, $"in the window of period {Describe(original.Period)} (starting {original.Start:O})");
            return new RefusedSample(sample, RejectionCodes.SequenceReused, string.Create(CultureInfo.InvariantCulture,
                $"Sequence {sample.Sequence} of host '{hostId}' was already counted {where}; this copy has timestamp {sample.Timestamp:O} (period {Describe(period)}), so it is not counted again. {ReuseAdvice}"));
        }).ToList();
    }

    private static string Describe(PeriodKey period) =>
        period.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " #" + period.Index.ToString(CultureInfo.InvariantCulture);

    private static SequenceLedger ReadLedger(TableEntity? row) =>
        row is null ? new SequenceLedger() : new SequenceLedger(row.GetInt64("Floor") ?? 0, ParseRanges(TableText.Read(row, "Sequences")));

    private static TableEntity ToLedgerEntity(string hostId, SequenceLedger ledger)
    {
        var entity = new TableEntity(hostId, LedgerRowKey)
        {
            ["Floor"] = ledger.Floor,
            ["RangeCount"] = ledger.Ranges.Count,
        };
        TableText.Write(entity, "Sequences", FormatRanges(ledger.Ranges));
        return entity;
    }

    /// <summary>The chunk's existing window rows and the host's ledger row (null when absent), read concurrently.</summary>
    private async Task<(Dictionary<string, TableEntity> Rows, TableEntity? Ledger)> ReadRowsAsync(
        string hostId, (PeriodKey Period, List<TelemetrySample> Samples)[] chunk, CancellationToken cancellationToken)
    {
        var ledgerRead = _table.GetEntityIfExistsAsync<TableEntity>(hostId, LedgerRowKey, cancellationToken: cancellationToken);
        var rowsRead = ReadWindowRowsAsync(hostId, chunk, cancellationToken);
        await Task.WhenAll(ledgerRead, rowsRead);
        var ledger = await ledgerRead;
        return (await rowsRead, ledger.HasValue ? ledger.Value : null);
    }

    private async Task<Dictionary<string, TableEntity>> ReadWindowRowsAsync(string hostId, (PeriodKey Period, List<TelemetrySample> Samples)[] chunk, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        if (chunk.Length == 1)
        {
            var response = await _table.GetEntityIfExistsAsync<TableEntity>(hostId, RowKeyOf(chunk[0].Period), cancellationToken: cancellationToken);
            if (response.HasValue && response.Value is { } single)
            {
                rows.Add(single.RowKey, single);
            }

            return rows;
        }

        var wanted = chunk.Select(c => RowKeyOf(c.Period)).ToHashSet(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {RowKeyOf(chunk[0].Period)} and RowKey le {RowKeyOf(chunk[^1].Period)}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (wanted.Contains(entity.RowKey))
            {
                rows[entity.RowKey] = entity;
            }
        }

        return rows;
    }

    private sealed class WorkingWindow
    {
        public WorkingWindow(string hostId, PeriodKey period) => Accumulator = new WindowAccumulator(hostId, period);

        public WorkingWindow(WindowAccumulator accumulator) => Accumulator = accumulator;

        public WindowAccumulator Accumulator { get; }

        public long CpuNanos { get; set; }

        public long MemNanos { get; set; }

        public long IoNanos { get; set; }

        public IReadOnlyList<VmSample>? Vms { get; set; }

        public long? VmsSequence { get; set; }

        public bool VmsChanged { get; set; }

        public string? VmsJson { get; set; }
    }

    private static WorkingWindow ReadState(TableEntity row)
    {
        var hostId = row.PartitionKey;
        var period = ParsePeriod(row);
        var state = new WindowState(
            hostId,
            period,
            row.GetInt64("SumNanos") ?? 0,
            row.GetDouble("Max") ?? 0,
            row.GetInt32("Count") ?? 0,
            ParseRanges(TableText.Read(row, "Sequences")));
        return new WorkingWindow(WindowAccumulator.Restore(state))
        {
            CpuNanos = row.GetInt64("CpuNanos") ?? 0,
            MemNanos = row.GetInt64("MemNanos") ?? 0,
            IoNanos = row.GetInt64("IoNanos") ?? 0,
            VmsSequence = row.GetInt64("VmsSequence"),
            VmsJson = TableText.Read(row, "Vms"),
        };
    }

    private TableEntity ToEntity(WorkingWindow window, TableEntity? previous)
    {
        var state = window.Accumulator.ToState();
        var entity = new TableEntity(state.HostId, RowKeyOf(state.Period))
        {
            ["Date"] = state.Period.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Period"] = state.Period.Index,
            ["Start"] = Calendar.StartOf(state.Period),
            ["SumNanos"] = state.SumNanos,
            ["Max"] = state.Max,
            ["Count"] = state.Count,
            ["Mean"] = state.Count == 0 ? 0 : state.SumNanos / WindowAccumulator.NanosPerUnit / state.Count,
            ["CpuNanos"] = window.CpuNanos,
            ["MemNanos"] = window.MemNanos,
            ["IoNanos"] = window.IoNanos,
            ["VmsSequence"] = window.VmsSequence,
        };
        TableText.Write(entity, "Sequences", FormatRanges(state.Sequences));
        var vmsJson = window.VmsChanged
            ? JsonSerializer.Serialize(window.Vms, StorageJsonContext.Default.IReadOnlyListVmSample)
            : window.VmsJson ?? (previous is null ? null : TableText.Read(previous, "Vms"));
        TableText.Write(entity, "Vms", vmsJson);
        return entity;
    }

    private static StoredWindow FromEntity(TableEntity row)
    {
        var period = ParsePeriod(row);
        var count = row.GetInt32("Count") ?? 0;
        var vmsJson = TableText.Read(row, "Vms");
        double Mean(string name) => count == 0 ? 0 : (row.GetInt64(name) ?? 0) / WindowAccumulator.NanosPerUnit / count;
        return new StoredWindow(
            row.PartitionKey,
            period,
            row.GetDateTimeOffset("Start") ?? default,
            (row.GetInt64("SumNanos") ?? 0) / WindowAccumulator.NanosPerUnit,
            row.GetDouble("Max") ?? 0,
            count,
            Mean("CpuNanos"),
            Mean("MemNanos"),
            Mean("IoNanos"),
            ParseRanges(TableText.Read(row, "Sequences")),
            vmsJson is null ? null : JsonSerializer.Deserialize(vmsJson, StorageJsonContext.Default.IReadOnlyListVmSample),
            row.GetInt64("VmsSequence"));
    }

    private static PeriodKey ParsePeriod(TableEntity row) => new(
        DateOnly.ParseExact(row.RowKey.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture),
        int.Parse(row.RowKey.AsSpan(9), CultureInfo.InvariantCulture));

    internal static string FormatRanges(IReadOnlyList<SequenceRange> ranges)
    {
        var builder = new StringBuilder(ranges.Count * 12);
        foreach (var range in ranges)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(range.First.ToString(CultureInfo.InvariantCulture));
            if (range.Last != range.First)
            {
                builder.Append('-').Append(range.Last.ToString(CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    internal static IReadOnlyList<SequenceRange> ParseRanges(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var ranges = new List<SequenceRange>();
        foreach (var part in text.Split(','))
        {
            var dash = part.IndexOf('-', 1);
            ranges.Add(dash < 0
                ? new SequenceRange(long.Parse(part, CultureInfo.InvariantCulture), long.Parse(part, CultureInfo.InvariantCulture))
                : new SequenceRange(long.Parse(part.AsSpan(0, dash), CultureInfo.InvariantCulture), long.Parse(part.AsSpan(dash + 1), CultureInfo.InvariantCulture)));
        }

        return ranges;
    }

    private static int EstimateChars(TableEntity entity) =>
        ((IDictionary<string, object>)entity).Values.Sum(v => v is string s ? s.Length : 16) + 200;

    private static long ToNanos(double value) => (long)Math.Round(value * WindowAccumulator.NanosPerUnit, MidpointRounding.ToEven);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(IReadOnlyList<VmSample>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
