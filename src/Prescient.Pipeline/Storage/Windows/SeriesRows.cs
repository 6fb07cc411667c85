using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Prescient.Core.Calendar;

namespace Prescient.Pipeline.Storage;

/// <summary>A host's head row, decoded: its sequence ledger, the windows of its newest day, its newest windows, its latest VM list.</summary>
internal sealed class HeadRow
{
    /// <summary>The newest windows a head keeps for the evaluator: the running period, the two before it, and one more (a clock a little ahead).</summary>
    public const int LatestCount = 4;

    public required string HostId { get; init; }

    /// <summary>The ETag it was read with; default when it is not stored yet.</summary>
    public ETag ETag { get; init; }

    /// <summary>The day of <see cref="Windows"/>: the newest day the host has counted samples in (null: none yet).</summary>
    public DateOnly? Day { get; set; }

    public List<WindowData> Windows { get; set; } = [];

    public SequenceLedger Ledger { get; set; } = new();

    public List<LatestWindow> Latest { get; set; } = [];

    public string? VmsJson { get; set; }

    public long? VmsSequence { get; set; }

    public PeriodKey? VmsPeriod { get; set; }

    public bool Stored => ETag != default;
}

/// <summary>A bucket row, decoded: a host's windows of <see cref="SeriesLayout.BucketDays"/> days from <see cref="Start"/>.</summary>
internal sealed class BucketRow
{
    public required DateOnly Start { get; init; }

    public ETag ETag { get; init; }

    public List<WindowData> Windows { get; set; } = [];

    public bool Stored => ETag != default;
}

/// <summary>Head and bucket rows to and from table entities (property names in docs/adr/0003).</summary>
internal static class SeriesRows
{
    public const string Series = "S";
    public const string Detail = "D";

    /// <summary>Chunks a projection selects for the series column (4 x 64 KB; a row's series is a few KB).</summary>
    public const int SeriesChunks = 4;

    public static HeadRow ReadHead(TableEntity entity, PeriodCalendar calendar)
    {
        var hostId = SeriesLayout.HostOfHeadKey(entity.RowKey);
        var day = entity.GetString("Day") is { Length: > 0 } text ? SeriesLayout.ParseDate(text) : (DateOnly?)null;
        return new HeadRow
        {
            HostId = hostId,
            ETag = entity.ETag,
            Day = day,
            Windows = day is { } d ? WindowCodec.Decode(hostId, TableBinary.Read(entity, Series), TableBinary.Read(entity, Detail), d, calendar.PeriodsPerDay) : [],
            Ledger = new SequenceLedger(entity.GetInt64("Floor") ?? 0, WindowStore.ParseRanges(TableText.Read(entity, "Sequences"))),
            Latest = WindowCodec.DecodeLatest(entity.GetBinary("Latest") ?? []),
            VmsJson = TableText.Read(entity, "Vms"),
            VmsSequence = entity.GetInt64("VmsSequence"),
            VmsPeriod = entity.GetString("VmsPeriod") is { Length: > 0 } p ? ParsePeriodText(p) : null,
        };
    }

    public static BucketRow ReadBucket(TableEntity entity, string hostId, PeriodCalendar calendar)
    {
        var start = SeriesLayout.ParseDate(entity.GetString("Bucket") ?? throw new FormatException($"Bucket row {entity.RowKey} has no Bucket date."));
        return new BucketRow
        {
            Start = start,
            ETag = entity.ETag,
            Windows = WindowCodec.Decode(hostId, TableBinary.Read(entity, Series), TableBinary.Read(entity, Detail), start, calendar.PeriodsPerDay),
        };
    }

    public static TableEntity ToEntity(string partition, HeadRow head, int periodsPerDay)
    {
        var entity = new TableEntity(partition, SeriesLayout.HeadKey(head.HostId))
        {
            ["Host"] = head.HostId,
            ["Day"] = head.Day is { } day ? SeriesLayout.DateText(day) : null,
            ["Latest"] = WindowCodec.EncodeLatest(head.Latest),
            ["Floor"] = head.Ledger.Floor,
            ["RangeCount"] = head.Ledger.Ranges.Count,
            ["VmsSequence"] = head.VmsSequence,
            ["VmsPeriod"] = head.VmsPeriod is { } vp ? PeriodText(vp) : null,
        };
        if (head.Day is { } d)
        {
            var (series, detail) = WindowCodec.Encode(head.Windows, d, periodsPerDay);
            TableBinary.Write(entity, Series, series);
            TableBinary.Write(entity, Detail, detail);
        }

        TableText.Write(entity, "Sequences", WindowStore.FormatRanges(head.Ledger.Ranges));
        TableText.Write(entity, "Vms", head.VmsJson);
        return entity;
    }

    public static TableEntity ToEntity(string partition, string hostId, BucketRow bucket, int periodsPerDay)
    {
        var entity = new TableEntity(partition, SeriesLayout.BucketKey(hostId, bucket.Start))
        {
            ["Host"] = hostId,
            ["Bucket"] = SeriesLayout.DateText(bucket.Start),
        };
        var (series, detail) = WindowCodec.Encode(bucket.Windows, bucket.Start, periodsPerDay);
        TableBinary.Write(entity, Series, series);
        TableBinary.Write(entity, Detail, detail);
        return entity;
    }

    /// <summary>Characters the entity takes in a transaction's JSON, roughly (binary goes as base64).</summary>
    public static int EstimateChars(TableEntity entity) =>
        ((IDictionary<string, object?>)entity).Values.Sum(v => v switch
        {
            string s => s.Length + 24,
            byte[] b => b.Length * 4 / 3 + 48,
            _ => 32,
        }) + 200;

    /// <summary>A period as <c>yyyyMMdd-NNN</c> (the earlier layout's window row key).</summary>
    public static string PeriodText(PeriodKey period) =>
        SeriesLayout.DateText(period.Date) + "-" + period.Index.ToString("D3", CultureInfo.InvariantCulture);

    public static PeriodKey ParsePeriodText(string text) => new(
        DateOnly.ParseExact(text.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture),
        int.Parse(text.AsSpan(9), CultureInfo.InvariantCulture));
}
