using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// The earlier layout (one row per host and period: partition = host id, row key = <c>yyyyMMdd-NNN</c>, and a ledger
/// row <c>~sequences</c>), read for hosts not migrated yet and migrated on a host's first write: its windows, ledger
/// and latest VM list become a head row and bucket rows in one transaction (docs/adr/0003). Legacy rows are left in
/// place (retention removes them); once a host has a head row they are no longer read.
/// </summary>
internal sealed class LegacyWindows(TableClient table)
{
    /// <summary>Row key of a host's sequence ledger in the earlier layout.</summary>
    public const string LedgerRowKey = "~sequences";

    public static string RowKeyOf(PeriodKey period) => SeriesRows.PeriodText(period);

    /// <summary>The host's window rows from <paramref name="from"/> to <paramref name="to"/> (null: all), in period order.</summary>
    public async Task<List<TableEntity>> ReadRowsAsync(string hostId, PeriodKey? from, PeriodKey? to, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey ge {(from is { } f ? RowKeyOf(f) : "0")} and RowKey le {(to is { } t ? RowKeyOf(t) : "9")}");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: select, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    public async Task<SequenceLedger?> ReadLedgerAsync(string hostId, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(hostId, LedgerRowKey, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } row ? ReadLedger(row) : null;
    }

    /// <summary>
    /// Moves a host's legacy rows into the series layout: bucket rows first (replaced, so a retry after a crash writes
    /// the same), the head last and only if none exists (the commit point; usually all in one transaction). The new
    /// ledger is the legacy ledger joined with every legacy window's sequences, so a sequence counted before the
    /// ledger existed is protected too. Returns the head as written, or null when the host has no legacy rows or
    /// another writer created its head first.
    /// </summary>
    public async Task<TableEntity?> MigrateAsync(string hostId, string partition, WindowStoreContext context, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {hostId}"), maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            return null;
        }

        var ledgerRow = rows.FirstOrDefault(r => r.RowKey == LedgerRowKey);
        var windowRows = rows.Where(r => r.RowKey != LedgerRowKey).ToList();
        var windows = windowRows.Select(ReadWindow).OrderBy(w => w.Period).ToList();
        var ledger = ledgerRow is null ? new SequenceLedger() : ReadLedger(ledgerRow);
        foreach (var range in windows.SelectMany(w => w.Accumulator.Sequences.Ranges))
        {
            for (var sequence = range.First; sequence <= range.Last; sequence++)
            {
                ledger.Add(sequence);
            }
        }

        ledger.Compact(context.Options.MaxLedgerRanges);
        var vmsRow = windowRows.Where(r => r.GetInt64("VmsSequence") is not null && TableText.Read(r, "Vms") is not null).MaxBy(r => r.GetInt64("VmsSequence"));
        var newestDay = windows.Count == 0 ? (DateOnly?)null : windows[^1].Period.Date;
        var head = new HeadRow
        {
            HostId = hostId,
            Day = newestDay,
            Windows = [.. windows.Where(w => w.Period.Date == newestDay)],
            Ledger = ledger,
            Latest = [.. windows.TakeLast(HeadRow.LatestCount).Select(w => w.ToLatest())],
            VmsJson = vmsRow is null ? null : TableText.Read(vmsRow, "Vms"),
            VmsSequence = vmsRow?.GetInt64("VmsSequence"),
            VmsPeriod = vmsRow is null ? null : ParsePeriod(vmsRow),
        };
        var layout = context.Layout;
        var buckets = windows.Where(w => w.Period.Date < newestDay)
            .GroupBy(w => layout.BucketOf(w.Period.Date))
            .Select(g => SeriesRows.ToEntity(partition, hostId, new BucketRow { Start = g.Key, Windows = [.. g] }, layout.PeriodsPerDay))
            .Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e))
            .ToList();
        var headEntity = SeriesRows.ToEntity(partition, head, layout.PeriodsPerDay);
        var headAction = new TableTransactionAction(TableTransactionActionType.Add, headEntity);
        var together = buckets.Count < 100 && buckets.Sum(b => SeriesRows.EstimateChars((TableEntity)b.Entity)) + SeriesRows.EstimateChars(headEntity) < 3_500_000;
        if (!together)
        {
            foreach (var chunk in buckets.Chunk(100))
            {
                await table.SubmitTransactionAsync(chunk, cancellationToken);
            }
        }

        try
        {
            var response = await table.SubmitTransactionAsync(together ? [.. buckets, headAction] : [headAction], cancellationToken);
            if (response.Value.Count > 0 && response.Value[^1].Headers.ETag is { } etag)
            {
                headEntity.ETag = etag;
                return headEntity;
            }

            return null;
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            return null;
        }
    }

    public static SequenceLedger ReadLedger(TableEntity row) =>
        new(row.GetInt64("Floor") ?? 0, WindowStore.ParseRanges(TableText.Read(row, "Sequences")));

    public static StoredWindow ToStoredWindow(TableEntity row, PeriodCalendar calendar)
    {
        var period = ParsePeriod(row);
        var count = row.GetInt32("Count") ?? 0;
        var vmsJson = TableText.Read(row, "Vms");
        double Mean(string name) => count == 0 ? 0 : (row.GetInt64(name) ?? 0) / WindowAccumulator.NanosPerUnit / count;
        return new StoredWindow(
            row.PartitionKey,
            period,
            row.GetDateTimeOffset("Start") ?? calendar.StartOf(period),
            (row.GetInt64("SumNanos") ?? 0) / WindowAccumulator.NanosPerUnit,
            row.GetDouble("Max") ?? 0,
            count,
            Mean("CpuNanos"),
            Mean("MemNanos"),
            Mean("IoNanos"),
            WindowStore.ParseRanges(TableText.Read(row, "Sequences")),
            vmsJson is null ? null : JsonSerializer.Deserialize(vmsJson, StorageJsonContext.Default.IReadOnlyListVmSample),
            row.GetInt64("VmsSequence"));
    }

    public static (PeriodKey Period, int Count, double Mean) ToMean(TableEntity row)
    {
        var count = row.GetInt32("Count") ?? 0;
        var mean = count == 0 ? 0 : Math.Clamp((row.GetInt64("SumNanos") ?? 0) / WindowAccumulator.NanosPerUnit / count, 0, 1);
        return (ParsePeriod(row), count, mean);
    }

    public static PeriodKey ParsePeriod(TableEntity row) => new(
        DateOnly.ParseExact(row.RowKey.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture),
        int.Parse(row.RowKey.AsSpan(9), CultureInfo.InvariantCulture));

    private static WindowData ReadWindow(TableEntity row)
    {
        var state = new WindowState(
            row.PartitionKey,
            ParsePeriod(row),
            row.GetInt64("SumNanos") ?? 0,
            row.GetDouble("Max") ?? 0,
            row.GetInt32("Count") ?? 0,
            WindowStore.ParseRanges(TableText.Read(row, "Sequences")));
        return new WindowData(WindowAccumulator.Restore(state))
        {
            CpuNanos = row.GetInt64("CpuNanos") ?? 0,
            MemNanos = row.GetInt64("MemNanos") ?? 0,
            IoNanos = row.GetInt64("IoNanos") ?? 0,
        };
    }
}

/// <summary>JSON of the VM lists stored with windows.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<VmSample>))]
internal sealed partial class StorageJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
