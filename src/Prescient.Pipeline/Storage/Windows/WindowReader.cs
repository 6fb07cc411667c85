using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Data.Tables;
using Prescient.Core.Calendar;
using Prescient.Core.Windows;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Reads windows from the series layout (docs/adr/0003): one host's (its head and a range of its bucket rows, two
/// requests), or many hosts' at once (per partition, one query over its heads and one over its buckets, projected to
/// the columns asked for). Hosts without a head row are read from the earlier layout when the table has one.
/// </summary>
internal sealed class WindowReader(TableClient table, WindowStoreContext context, LegacyWindows legacy)
{
    /// <summary>Hosts of one partition below which per-host reads are cheaper than reading the whole partition.</summary>
    private const int HostsBeforePartitionRead = 8;

    private static readonly string[] SeriesColumns = [.. TableBinary.Names(SeriesRows.Series, SeriesRows.SeriesChunks)];

    private PeriodCalendar Calendar => context.Calendar;

    public async Task<List<StoredWindow>> GetAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var partition = context.Partition(hostId);
        var headRead = table.GetEntityIfExistsAsync<TableEntity>(partition, SeriesLayout.HeadKey(hostId), cancellationToken: cancellationToken);
        var bucketsRead = QueryBucketsAsync(partition, hostId, from.Date, to.Date, select: null, cancellationToken);
        await Task.WhenAll(headRead, bucketsRead);
        var headResponse = await headRead;
        if (!headResponse.HasValue || headResponse.Value is not { } headEntity)
        {
            return legacyRows
                ? [.. (await legacy.ReadRowsAsync(hostId, from, to, null, cancellationToken)).Select(r => LegacyWindows.ToStoredWindow(r, Calendar))]
                : [];
        }

        var head = SeriesRows.ReadHead(headEntity, Calendar);
        var windows = (await bucketsRead)
            .SelectMany(b => SeriesRows.ReadBucket(b, hostId, Calendar).Windows)
            .Where(w => head.Day is not { } day || w.Period.Date < day)
            .Concat(head.Windows)
            .Where(w => w.Period >= from && w.Period <= to)
            .OrderBy(w => w.Period);
        return [.. windows.Select(w => ToStored(hostId, w, head))];
    }

    public async Task<List<(PeriodKey Period, int Count, double Mean)>> GetMeansAsync(string hostId, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var partition = context.Partition(hostId);
        var headRead = QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey eq {SeriesLayout.HeadKey(hostId)}"), ["RowKey", "Day", .. SeriesColumns], cancellationToken);
        var bucketsRead = QueryBucketsAsync(partition, hostId, from.Date, to.Date, ["RowKey", "Bucket", .. SeriesColumns], cancellationToken);
        await Task.WhenAll(headRead, bucketsRead);
        if ((await headRead).FirstOrDefault() is not { } head)
        {
            return legacyRows
                ? [.. (await legacy.ReadRowsAsync(hostId, from, to, ["RowKey", "Count", "SumNanos"], cancellationToken)).Select(LegacyWindows.ToMean)]
                : [];
        }

        return Means(head, await bucketsRead, from, to);
    }

    /// <summary>Means of many hosts: per partition, one query over its heads and one over its buckets in the date range.</summary>
    public async Task<Dictionary<string, List<(PeriodKey Period, int Count, double Mean)>>> GetMeansAsync(
        IReadOnlyCollection<string> hostIds, PeriodKey from, PeriodKey to, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var result = new ConcurrentDictionary<string, List<(PeriodKey, int, double)>>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            hostIds.Distinct(StringComparer.Ordinal).GroupBy(context.Partition),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (partition, ct) =>
            {
                var wanted = partition.ToHashSet(StringComparer.Ordinal);
                if (wanted.Count < HostsBeforePartitionRead)
                {
                    foreach (var hostId in wanted)
                    {
                        result[hostId] = await GetMeansAsync(hostId, from, to, ct);
                    }

                    return;
                }

                var headsRead = QueryAsync(HeadsFilter(partition.Key), ["RowKey", "Day", .. SeriesColumns], ct);
                var bucketsFilter = TableClient.CreateQueryFilter(
                    $"PartitionKey eq {partition.Key} and RowKey ge {SeriesLayout.BucketPrefix} and RowKey lt {"w}"} and Bucket ge {SeriesLayout.DateText(context.Layout.BucketOf(from.Date))} and Bucket le {SeriesLayout.DateText(to.Date)}");
                var bucketsRead = QueryAsync(bucketsFilter, ["RowKey", "Bucket", .. SeriesColumns], ct);
                await Task.WhenAll(headsRead, bucketsRead);
                var buckets = (await bucketsRead).ToLookup(b => SeriesLayout.HostOfBucketKey(b.RowKey), StringComparer.Ordinal);
                foreach (var head in await headsRead)
                {
                    var hostId = SeriesLayout.HostOfHeadKey(head.RowKey);
                    if (wanted.Remove(hostId))
                    {
                        result[hostId] = Means(head, buckets[hostId], from, to);
                    }
                }

                foreach (var hostId in wanted)
                {
                    result[hostId] = legacyRows
                        ? [.. (await legacy.ReadRowsAsync(hostId, from, to, ["RowKey", "Count", "SumNanos"], ct)).Select(LegacyWindows.ToMean)]
                        : [];
                }
            });
        return new Dictionary<string, List<(PeriodKey, int, double)>>(result, StringComparer.Ordinal);
    }

    /// <summary>
    /// The newest windows of many hosts (up to <see cref="HeadRow.LatestCount"/> each, in period order, without their
    /// sequences), with the latest VM list on its window: per partition, one query over its heads.
    /// </summary>
    public async Task<Dictionary<string, IReadOnlyList<StoredWindow>>> GetLatestAsync(IReadOnlyCollection<string> hostIds, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var result = new ConcurrentDictionary<string, IReadOnlyList<StoredWindow>>(StringComparer.Ordinal);
        string[] columns = ["RowKey", "Latest", "VmsSequence", "VmsPeriod", .. Enumerable.Range(0, 10).Select(i => "Vms_" + i)];
        await Parallel.ForEachAsync(
            hostIds.Distinct(StringComparer.Ordinal).GroupBy(context.Partition),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (partition, ct) =>
            {
                var wanted = partition.ToHashSet(StringComparer.Ordinal);
                var filter = wanted.Count < HostsBeforePartitionRead
                    ? string.Join(" or ", wanted.Select(h => TableClient.CreateQueryFilter($"(PartitionKey eq {partition.Key} and RowKey eq {SeriesLayout.HeadKey(h)})")))
                    : HeadsFilter(partition.Key);
                foreach (var row in await QueryAsync(filter, columns, ct))
                {
                    var hostId = SeriesLayout.HostOfHeadKey(row.RowKey);
                    if (wanted.Remove(hostId))
                    {
                        result[hostId] = Latest(hostId, row);
                    }
                }

                foreach (var hostId in wanted)
                {
                    if (!legacyRows)
                    {
                        result[hostId] = [];
                        continue;
                    }

                    var rows = await legacy.ReadRowsAsync(hostId, null, null, null, ct);
                    result[hostId] = [.. rows.Select(r => LegacyWindows.ToStoredWindow(r, Calendar)).TakeLast(HeadRow.LatestCount)];
                }
            });
        return new Dictionary<string, IReadOnlyList<StoredWindow>>(result, StringComparer.Ordinal);
    }

    public async Task<SequenceLedger> GetLedgerAsync(string hostId, CancellationToken cancellationToken)
    {
        var legacyRows = await context.Layout.CheckAsync(table, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(context.Partition(hostId), SeriesLayout.HeadKey(hostId), cancellationToken: cancellationToken);
        if (response.HasValue && response.Value is { } head)
        {
            return SeriesRows.ReadHead(head, Calendar).Ledger;
        }

        return legacyRows ? await legacy.ReadLedgerAsync(hostId, cancellationToken) ?? new SequenceLedger() : new SequenceLedger();
    }

    private IReadOnlyList<StoredWindow> Latest(string hostId, TableEntity row)
    {
        var vmsPeriod = row.GetString("VmsPeriod") is { Length: > 0 } p ? SeriesRows.ParsePeriodText(p) : (PeriodKey?)null;
        var vmsJson = TableText.Read(row, "Vms");
        return [.. WindowCodec.DecodeLatest(row.GetBinary("Latest") ?? []).Select(l =>
        {
            var withVms = vmsPeriod == l.Period && vmsJson is not null;
            return new StoredWindow(
                hostId, l.Period, Calendar.StartOf(l.Period), l.SumNanos / WindowAccumulator.NanosPerUnit, l.Max, l.Count,
                MeanOf(l.CpuNanos, l.Count), MeanOf(l.MemNanos, l.Count), MeanOf(l.IoNanos, l.Count), [],
                withVms ? JsonSerializer.Deserialize(vmsJson!, StorageJsonContext.Default.IReadOnlyListVmSample) : null,
                withVms ? row.GetInt64("VmsSequence") : null);
        })];
    }

    private StoredWindow ToStored(string hostId, WindowData window, HeadRow head)
    {
        var state = window.Accumulator.ToState();
        var withVms = head.VmsPeriod == window.Period && head.VmsJson is not null;
        return new StoredWindow(
            hostId,
            window.Period,
            Calendar.StartOf(window.Period),
            state.SumNanos / WindowAccumulator.NanosPerUnit,
            state.Max,
            state.Count,
            MeanOf(window.CpuNanos, state.Count),
            MeanOf(window.MemNanos, state.Count),
            MeanOf(window.IoNanos, state.Count),
            state.Sequences,
            withVms ? JsonSerializer.Deserialize(head.VmsJson!, StorageJsonContext.Default.IReadOnlyListVmSample) : null,
            withVms ? head.VmsSequence : null);
    }

    /// <summary>
    /// The means of a host's windows in the range, in period order: its bucket rows oldest first (a bucket row holds
    /// its windows in order, and bucket rows never overlap), then its head (newer than every bucket window it keeps).
    /// One pass, no sorting: a fleet read decodes millions of windows.
    /// </summary>
    private List<(PeriodKey Period, int Count, double Mean)> Means(TableEntity head, IEnumerable<TableEntity> buckets, PeriodKey from, PeriodKey to)
    {
        var periodsPerDay = context.Layout.PeriodsPerDay;
        var headDay = head.GetString("Day") is { Length: > 0 } text ? SeriesLayout.ParseDate(text) : (DateOnly?)null;
        var result = new List<(PeriodKey, int, double)>();
        void Add(List<(PeriodKey Period, int Count, long SumNanos)> windows, bool fromBucket)
        {
            foreach (var (period, count, sumNanos) in windows)
            {
                if (period >= from && period <= to && !(fromBucket && headDay is { } day && period.Date >= day))
                {
                    result.Add((period, count, count == 0 ? 0 : Math.Clamp(sumNanos / WindowAccumulator.NanosPerUnit / count, 0, 1)));
                }
            }
        }

        foreach (var bucket in buckets
            .Select(b => (Start: SeriesLayout.ParseDate(b.GetString("Bucket")!), Row: b))
            .OrderBy(b => b.Start))
        {
            Add(WindowCodec.DecodeSeries(TableBinary.Read(bucket.Row, SeriesRows.Series), bucket.Start, periodsPerDay), fromBucket: true);
        }

        if (headDay is { } d)
        {
            Add(WindowCodec.DecodeSeries(TableBinary.Read(head, SeriesRows.Series), d, periodsPerDay), fromBucket: false);
        }

        return result;
    }

    private Task<List<TableEntity>> QueryBucketsAsync(string partition, string hostId, DateOnly from, DateOnly to, IEnumerable<string>? select, CancellationToken cancellationToken) =>
        QueryAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {SeriesLayout.BucketKey(hostId, context.Layout.BucketOf(from))} and RowKey le {SeriesLayout.BucketKey(hostId, to)}"),
            select,
            cancellationToken);

    private static string HeadsFilter(string partition) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {SeriesLayout.HeadPrefix} and RowKey lt {"h}"}");

    private async Task<List<TableEntity>> QueryAsync(string filter, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: select, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static double MeanOf(long nanos, int count) => count == 0 ? 0 : nanos / WindowAccumulator.NanosPerUnit / count;
}
