using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Core.Workload;
using Prescient.Pipeline.Telemetry;

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
}

/// <summary>
/// Per-host, per-period windows in an Azure table: partition = host id, row key = <c>yyyyMMdd-NNN</c> (sorts by time).
/// Each row carries Core's <see cref="WindowState"/>, including the set of sequence numbers already counted, so
/// applying a batch is idempotent: a redelivered sample is a duplicate and changes nothing, in any order.
/// A batch's windows are written in one entity-group transaction (up to 100 rows of the host's partition), each row
/// conditional on the ETag it was read with (new rows: add). A concurrent writer makes the transaction fail with
/// 412/409 and the batch is re-read and re-applied, so two ingesters never lose or double-count a sample.
/// </summary>
public sealed class WindowStore
{
    private const int MaxRowsPerTransaction = 100;
    private const int MaxTransactionChars = 1_500_000;

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
    }

    public PeriodCalendar Calendar { get; }

    /// <summary>Test hook: runs after a chunk's rows are read and before they are written (to interleave a rival writer).</summary>
    internal Func<CancellationToken, Task>? AfterRead { get; set; }

    public WorkloadMeasure Measure { get; }

    public TableClient Table => _table;

    public static string RowKeyOf(PeriodKey period) =>
        period.Date.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + period.Index.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>Counts <paramref name="samples"/> (valid samples of one host, any order) into their windows, each sample at most once ever.</summary>
    public async Task<WindowWriteResult> ApplyAsync(string hostId, IReadOnlyList<TelemetrySample> samples, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentNullException.ThrowIfNull(samples);
        // One sequence number is one sample: a second copy in the same call (even with another timestamp) is a duplicate.
        var distinct = samples.DistinctBy(s => s.Sequence).ToList();
        var byPeriod = distinct
            .GroupBy(s => Calendar.PeriodOf(s.Timestamp))
            .OrderBy(g => g.Key)
            .Select(g => (Period: g.Key, Samples: g.OrderBy(s => s.Sequence).ToList()))
            .ToList();

        int accepted = 0, duplicates = samples.Count - distinct.Count, conflicts = 0;
        var refused = new List<RefusedSample>();
        foreach (var chunk in byPeriod.Chunk(MaxRowsPerTransaction))
        {
            for (var attempt = 1; ; attempt++)
            {
                var outcome = await TryApplyChunkAsync(hostId, chunk, cancellationToken);
                if (outcome is { } done)
                {
                    accepted += done.Accepted;
                    duplicates += done.Duplicates;
                    refused.AddRange(done.Refused);
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

        return new WindowWriteResult(accepted, duplicates, conflicts, refused);
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

    private async Task<(int Accepted, int Duplicates, List<RefusedSample> Refused)?> TryApplyChunkAsync(
        string hostId,
        (PeriodKey Period, List<TelemetrySample> Samples)[] chunk,
        CancellationToken cancellationToken)
    {
        var existing = await ReadRowsAsync(hostId, chunk, cancellationToken);
        if (AfterRead is { } afterRead)
        {
            await afterRead(cancellationToken);
        }
        var actions = new List<TableTransactionAction>(chunk.Length);
        int accepted = 0, duplicates = 0, chars = 0;
        var refused = new List<RefusedSample>();
        foreach (var (period, periodSamples) in chunk)
        {
            var rowKey = RowKeyOf(period);
            existing.TryGetValue(rowKey, out var row);
            var state = row is null ? null : ReadState(row);
            var window = state is null ? new WorkingWindow(hostId, period) : state;
            var changed = false;
            foreach (var sample in periodSamples)
            {
                if (window.Accumulator.Sequences.Contains(sample.Sequence))
                {
                    duplicates++;
                    continue;
                }

                if (window.Accumulator.Count >= _options.MaxSamplesPerWindow)
                {
                    refused.Add(new RefusedSample(sample, "window-full", string.Create(CultureInfo.InvariantCulture,
                        $"The window {period} of host '{hostId}' already counts {window.Accumulator.Count} samples, the most one period takes.")));
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

                accepted++;
                changed = true;
            }

            if (!changed)
            {
                continue;
            }

            var entity = ToEntity(window, row);
            chars += EstimateChars(entity);
            actions.Add(row is null
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, row.ETag));
        }

        if (actions.Count == 0)
        {
            return (accepted, duplicates, refused);
        }

        try
        {
            if (chars > MaxTransactionChars)
            {
                // Very large rows (thousands of VMs): one conditional write each; every row stays idempotent on its own.
                foreach (var action in actions)
                {
                    await WriteOneAsync(action, cancellationToken);
                }
            }
            else if (actions.Count == 1)
            {
                await WriteOneAsync(actions[0], cancellationToken);
            }
            else
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken);
            }
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return null;
        }

        return (accepted, duplicates, refused);
    }

    private async Task WriteOneAsync(TableTransactionAction action, CancellationToken cancellationToken)
    {
        if (action.ActionType == TableTransactionActionType.Add)
        {
            await _table.AddEntityAsync((TableEntity)action.Entity, cancellationToken);
        }
        else
        {
            await _table.UpdateEntityAsync((TableEntity)action.Entity, action.ETag, TableUpdateMode.Replace, cancellationToken);
        }
    }

    private async Task<Dictionary<string, TableEntity>> ReadRowsAsync(string hostId, (PeriodKey Period, List<TelemetrySample> Samples)[] chunk, CancellationToken cancellationToken)
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
