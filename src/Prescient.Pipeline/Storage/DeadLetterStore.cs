using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Azure;
using Azure.Data.Tables;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>Where a payload came from: stable across redeliveries, so dead-lettering it twice writes the same row.</summary>
/// <param name="Source">The transport and place, e.g. <c>queue:telemetry</c> or <c>eventhub:hub/0</c>.</param>
/// <param name="Id">The payload's id in that place (queue message id, Event Hubs sequence number).</param>
/// <param name="EnqueuedAt">When the transport accepted it (stable across redeliveries).</param>
public sealed record PayloadOrigin(string Source, string Id, DateTimeOffset EnqueuedAt);

/// <summary>
/// A stored dead letter: every rejection of one reason (<see cref="Code"/>) from one payload. <see cref="Count"/>
/// says how many (a whole payload counts 1; samples count one each); <see cref="Reason"/>, <see cref="Sequence"/>,
/// <see cref="SampleIndex"/> and the payload are the first one's, <see cref="LastSampleIndex"/> the last one's.
/// </summary>
public sealed record DeadLetter(
    string Id,
    string Code,
    string Reason,
    string? HostId,
    long? Sequence,
    int? SampleIndex,
    int? LastSampleIndex,
    int Count,
    PayloadOrigin Origin,
    DateTimeOffset RecordedAt,
    string Payload,
    string PayloadEncoding,
    int PayloadBytes,
    bool Truncated);

/// <summary>A query of dead letters: recorded in [From, To), optionally of one reason (code) and one host; newest first.</summary>
public sealed record DeadLetterQuery(DateTimeOffset From, DateTimeOffset To, string? Reason, string? HostId, int Limit);

/// <summary>How many rows and rejected items (payloads or samples) one reason has in a query's range.</summary>
public sealed record DeadLetterCount(string Reason, int Rows, int Samples);

/// <summary>The newest dead letters of a query (without payloads) and the counts by reason over all of its range.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<DeadLetterCount> ByReason, bool Capped);

/// <summary>
/// Rejected telemetry with its reason and raw payload (at most <see cref="MaxPayloadBytes"/> kept). Repeats of one
/// reason from one payload are one row with a count (500 samples sharing a sequence number are one row, not 499).
/// One partition per UTC day of the pipeline's clock when recorded (so queries by time read only their days); the row
/// key derives from the origin and the reason, so a redelivered payload's dead letters overwrite themselves instead
/// of piling up, also when the redelivery comes after midnight (<see cref="RedeliveryWindow"/>).
/// </summary>
public sealed class DeadLetterStore(TableClient table, TimeProvider timeProvider)
{
    public const int MaxPayloadBytes = 8 * 1024;

    /// <summary>Rows a query reads at most to count and sort (a query over more says <see cref="DeadLetterPage.Capped"/>).</summary>
    public const int MaxScannedRows = 100_000;

    /// <summary>A redelivery this soon after midnight finds its payload's rows in the day before and updates them there.</summary>
    public static readonly TimeSpan RedeliveryWindow = TimeSpan.FromHours(6);

    private const int MaxReasonChars = 4_000;

    /// <summary>Every column but the payload: what a list and the counts read.</summary>
    private static readonly string[] SummaryColumns =
    [
        "PartitionKey", "RowKey", "Code", "Reason", "HostId", "Sequence", "SampleIndex", "LastSampleIndex", "Count",
        "Source", "OriginId", "EnqueuedAt", "RecordedAt", "PayloadBytes", "Truncated",
    ];

    public TableClient Table { get; } = table;

    public async Task WriteAsync(IReadOnlyList<(TelemetryRejection Rejection, PayloadOrigin Origin)> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var rows = items
            .GroupBy(i => RowKeyOf(i.Rejection, i.Origin), StringComparer.Ordinal)
            .Select(g => ToEntity(g.Key, [.. g.Select(i => i.Rejection)], g.First().Origin, now))
            .ToList();
        var today = PartitionOf(now);
        var yesterday = PartitionOf(now.AddDays(-1));
        if (now - now.UtcDateTime.Date < RedeliveryWindow)
        {
            foreach (var row in rows)
            {
                var earlier = await Table.GetEntityIfExistsAsync<TableEntity>(yesterday, row.RowKey, ["RowKey"], cancellationToken);
                row.PartitionKey = earlier.HasValue ? yesterday : today;
            }
        }

        foreach (var partition in rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                await Table.SubmitTransactionAsync(
                    chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                    cancellationToken);
            }
        }
    }

    /// <summary>Dead letters recorded on one UTC day (of the pipeline's clock), up to <paramref name="max"/>, with payloads.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(DateOnly day, int max, CancellationToken cancellationToken)
    {
        var result = new List<DeadLetter>();
        var partition = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, maxPerPage: Math.Clamp(max, 1, 1000), cancellationToken: cancellationToken))
        {
            result.Add(FromEntity(entity));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// The newest <see cref="DeadLetterQuery.Limit"/> dead letters of the query, without payloads (<see cref="GetAsync"/>
    /// has them), and the counts by reason over the whole range: one filtered query per UTC day of the range.
    /// </summary>
    public async Task<DeadLetterPage> QueryAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = new List<DeadLetter>();
        var capped = false;
        for (var day = query.To.UtcDateTime.Date; day >= query.From.UtcDateTime.Date && !capped; day = day.AddDays(-1))
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)} and RecordedAt ge {query.From} and RecordedAt lt {query.To}");
            if (query.Reason is { } reason)
            {
                filter += " and " + TableClient.CreateQueryFilter($"Code eq {reason}");
            }

            if (query.HostId is { } hostId)
            {
                filter += " and " + TableClient.CreateQueryFilter($"HostId eq {hostId}");
            }

            await foreach (var entity in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: SummaryColumns, cancellationToken: cancellationToken))
            {
                rows.Add(FromEntity(entity));
                if (rows.Count >= MaxScannedRows)
                {
                    capped = true;
                    break;
                }
            }
        }

        var counts = rows
            .GroupBy(r => r.Code, StringComparer.Ordinal)
            .Select(g => new DeadLetterCount(g.Key, g.Count(), g.Sum(r => r.Count)))
            .OrderBy(c => c.Reason, StringComparer.Ordinal)
            .ToList();
        var newest = rows
            .OrderByDescending(r => r.RecordedAt)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .Take(query.Limit)
            .ToList();
        return new DeadLetterPage(newest, counts, capped);
    }

    /// <summary>One dead letter with its payload, by the <see cref="DeadLetter.Id"/> a query gave; null when unknown.</summary>
    public async Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (ParseId(id) is not var (partition, rowKey))
        {
            return null;
        }

        var entity = await Table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken);
        return entity.HasValue ? FromEntity(entity.Value!) : null;
    }

    /// <summary>Deletes the dead letters recorded before <paramref name="before"/> (whole days, older first); returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var cut = before.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {cut} or (PartitionKey eq {cut} and RecordedAt lt {before})");
        var doomed = new List<TableEntity>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            doomed.Add(entity);
        }

        foreach (var partition in doomed.GroupBy(e => e.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), cancellationToken);
                deleted += chunk.Length;
            }
        }

        return deleted;
    }

    private static string PartitionOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Row key: the origin plus the reason (one row per reason per payload).</summary>
    internal static string RowKeyOf(TelemetryRejection rejection, PayloadOrigin origin) =>
        TableKeys.Escape(origin.Source + "|" + origin.Id + "|" + rejection.Code);

    /// <summary>An id for the API: the partition, a dot, and the row key in unpadded base64url.</summary>
    internal static string IdOf(string partition, string rowKey) =>
        partition + "." + Convert.ToBase64String(Encoding.UTF8.GetBytes(rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string Partition, string RowKey)? ParseId(string id)
    {
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        if (dot != 8 || !id[..dot].All(char.IsAsciiDigit) || id.Length == dot + 1 || id.Length > 2000)
        {
            return null;
        }

        var text = id[(dot + 1)..].Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var written) && Utf8.IsValid(bytes.AsSpan(0, written))
            ? (id[..dot], Encoding.UTF8.GetString(bytes, 0, written))
            : null;
    }

    private static TableEntity ToEntity(string rowKey, IReadOnlyList<TelemetryRejection> rejections, PayloadOrigin origin, DateTimeOffset now)
    {
        var first = rejections[0];
        var last = rejections[^1];
        var reason = rejections.Count == 1
            ? first.Reason
            : string.Create(CultureInfo.InvariantCulture,
                $"{first.Reason} (and {rejections.Count - 1} more {(first.SampleIndex is null ? "items" : "samples")} of this payload for the same reason{(first.SampleIndex is { } a && last.SampleIndex is { } b ? $", samples[{a}] to samples[{b}]" : "")})");
        var (payload, encoding, truncated) = Encode(first.RawPayload.Span);
        return new TableEntity(PartitionOf(now), rowKey)
        {
            ["Code"] = first.Code,
            ["Reason"] = reason.Length > MaxReasonChars ? reason[..MaxReasonChars] : reason,
            ["HostId"] = first.HostId,
            ["Sequence"] = first.Sequence,
            ["SampleIndex"] = first.SampleIndex,
            ["LastSampleIndex"] = last.SampleIndex,
            ["Count"] = rejections.Count,
            ["Source"] = origin.Source,
            ["OriginId"] = origin.Id,
            ["EnqueuedAt"] = origin.EnqueuedAt,
            ["RecordedAt"] = now,
            ["Payload"] = payload,
            ["PayloadEncoding"] = encoding,
            ["PayloadBytes"] = first.RawPayload.Length,
            ["Truncated"] = truncated,
        };
    }

    /// <summary>UTF-8 text when the kept bytes are valid UTF-8 (the usual case), base64 otherwise.</summary>
    private static (string Payload, string Encoding, bool Truncated) Encode(ReadOnlySpan<byte> raw)
    {
        var truncated = raw.Length > MaxPayloadBytes;
        var kept = truncated ? raw[..MaxPayloadBytes] : raw;
        if (Utf8.IsValid(kept))
        {
            return (Encoding.UTF8.GetString(kept), "utf-8", truncated);
        }

        // A cut in the middle of a multi-byte character: back off to the last whole character.
        if (truncated)
        {
            for (var back = 1; back <= 3 && kept.Length - back > 0; back++)
            {
                if (Utf8.IsValid(kept[..^back]))
                {
                    return (Encoding.UTF8.GetString(kept[..^back]), "utf-8", true);
                }
            }
        }

        return (Convert.ToBase64String(kept), "base64", truncated);
    }

    private static DeadLetter FromEntity(TableEntity e) => new(
        IdOf(e.PartitionKey, e.RowKey),
        e.GetString("Code") ?? string.Empty,
        e.GetString("Reason") ?? string.Empty,
        e.GetString("HostId"),
        e.GetInt64("Sequence"),
        e.GetInt32("SampleIndex"),
        e.GetInt32("LastSampleIndex"),
        e.GetInt32("Count") ?? 1,
        new PayloadOrigin(e.GetString("Source") ?? string.Empty, e.GetString("OriginId") ?? string.Empty, e.GetDateTimeOffset("EnqueuedAt") ?? default),
        e.GetDateTimeOffset("RecordedAt") ?? default,
        e.GetString("Payload") ?? string.Empty,
        e.GetString("PayloadEncoding") ?? "utf-8",
        e.GetInt32("PayloadBytes") ?? 0,
        e.GetBoolean("Truncated") ?? false);
}
