using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Where the time-series layout puts a host's rows (docs/adr/0003). Hosts are spread over <see cref="Partitions"/>
/// partitions <c>~p000</c>... by a stable hash of the id; in its partition a host has one head row <c>h|host</c> (the
/// sequence ledger, the windows of its newest day, its newest windows and latest VM list) and one bucket row
/// <c>w|host|yyyyMMdd</c> per <see cref="BucketDays"/> days of older windows. Host ids cannot contain '|' or '~'
/// (telemetry validation allows letters, digits and <c>- _ . : @</c>), so the prefixes keep each host's rows apart and
/// all heads of a partition contiguous, and no series partition can be a host id of the earlier layout (partition =
/// host id), which lives in the same table until its hosts are migrated.
/// </summary>
internal sealed class SeriesLayout
{
    public const string HeadPrefix = "h|";
    public const string BucketPrefix = "w|";

    /// <summary>Most windows a bucket row holds: 7 days of 20-minute periods.</summary>
    public const int MaxWindowsPerBucket = 504;

    private const string LayoutKey = "~layout";
    private const int FormatVersion = 1;

    private readonly SemaphoreSlim _checkLock = new(1, 1);
    private bool? _legacyRows;

    /// <param name="windowsPerBucket">Most windows a bucket row holds (<see cref="MaxWindowsPerBucket"/>; fewer only to measure other bucket sizes).</param>
    public SeriesLayout(int partitions, PeriodCalendar calendar, int windowsPerBucket = MaxWindowsPerBucket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowsPerBucket, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(windowsPerBucket, MaxWindowsPerBucket);
        Partitions = partitions;
        PeriodsPerDay = calendar.PeriodsPerDay;
        BucketDays = Math.Max(1, windowsPerBucket / PeriodsPerDay);
    }

    public int Partitions { get; }

    public int PeriodsPerDay { get; }

    /// <summary>Days per bucket row: 7 with 20-minute periods, fewer with shorter ones (at most 504 windows a row).</summary>
    public int BucketDays { get; }

    public IEnumerable<string> AllPartitions => Enumerable.Range(0, Partitions).Select(PartitionName);

    public string PartitionOf(string hostId) => TableKeys.PartitionOf(hostId, Partitions);

    public static string HeadKey(string hostId) => HeadPrefix + hostId;

    public static string BucketKey(string hostId, DateOnly bucketStart) => BucketPrefix + hostId + "|" + DateText(bucketStart);

    /// <summary>The first row key after every bucket row of <paramref name="hostId"/>.</summary>
    public static string BucketKeyEnd(string hostId) => BucketPrefix + hostId + "}";

    public static string HostOfHeadKey(string rowKey) => rowKey[HeadPrefix.Length..];

    public static string HostOfBucketKey(string rowKey) => rowKey[BucketPrefix.Length..rowKey.LastIndexOf('|')];

    public DateOnly BucketOf(DateOnly date) => DateOnly.FromDayNumber(date.DayNumber - date.DayNumber % BucketDays);

    public static string DateText(DateOnly date) => date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture);

    /// <exception cref="ArgumentException">The id is empty or has a character a table key or this layout cannot take.</exception>
    public static void CheckHostId(string hostId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        foreach (var c in hostId)
        {
            if (c is '|' or '~' or '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException($"Host id '{hostId}' contains '{c}', which a window row key cannot take.", nameof(hostId));
            }
        }
    }

    /// <summary>
    /// Checks once per process that the table was laid out with this store's partitions and calendar (recording them
    /// on first use) and returns whether the table held rows of the earlier layout then (so hosts without a head row
    /// are looked up there). Changing either setting on a table in use would lose every host's rows and ledger.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table was laid out differently.</exception>
    public async Task<bool> CheckAsync(TableClient table, CancellationToken cancellationToken)
    {
        if (_legacyRows is { } known)
        {
            return known;
        }

        await _checkLock.WaitAsync(cancellationToken);
        try
        {
            if (_legacyRows is { } again)
            {
                return again;
            }

            for (var attempt = 0; ; attempt++)
            {
                var existing = await table.GetEntityIfExistsAsync<TableEntity>(LayoutKey, LayoutKey, cancellationToken: cancellationToken);
                if (existing.HasValue && existing.Value is { } row)
                {
                    Verify(table.Name, row);
                    _legacyRows = row.GetBoolean("LegacyRows") ?? false;
                    return _legacyRows.Value;
                }

                var legacy = false;
                await foreach (var _ in table.QueryAsync<TableEntity>($"PartitionKey lt '~'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
                {
                    legacy = true;
                    break;
                }

                try
                {
                    await table.AddEntityAsync(
                        new TableEntity(LayoutKey, LayoutKey)
                        {
                            ["Format"] = FormatVersion,
                            ["Partitions"] = Partitions,
                            ["PeriodsPerDay"] = PeriodsPerDay,
                            ["BucketDays"] = BucketDays,
                            ["LegacyRows"] = legacy,
                        },
                        cancellationToken);
                    _legacyRows = legacy;
                    return legacy;
                }
                catch (RequestFailedException exception) when (exception.Status == 409 && attempt < 3)
                {
                    // Another store recorded the layout first: read and check it.
                }
            }
        }
        finally
        {
            _checkLock.Release();
        }
    }

    private void Verify(string tableName, TableEntity row)
    {
        var format = row.GetInt32("Format");
        var partitions = row.GetInt32("Partitions");
        var periods = row.GetInt32("PeriodsPerDay");
        if (format != FormatVersion || partitions != Partitions || periods != PeriodsPerDay || row.GetInt32("BucketDays") != BucketDays)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The windows table '{tableName}' was laid out with format {format}, {partitions} partitions and {periods} periods a day; this store is configured with format {FormatVersion}, {Partitions} partitions (Prescient:Pipeline:Windows:Partitions) and {PeriodsPerDay} periods a day (PeriodMinutes). Set them back: changing them on a table in use would lose every host's windows and sequence ledger (docs/scale.md)."));
        }
    }

    private static string PartitionName(int index) => "~p" + index.ToString("D3", CultureInfo.InvariantCulture);
}
