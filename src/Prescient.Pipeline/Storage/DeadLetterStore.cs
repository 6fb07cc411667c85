using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Azure.Data.Tables;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Storage;

/// <summary>Where a payload came from: stable across redeliveries, so dead-lettering it twice writes the same row.</summary>
/// <param name="Source">The transport and place, e.g. <c>queue:telemetry</c> or <c>eventhub:hub/0</c>.</param>
/// <param name="Id">The payload's id in that place (queue message id, Event Hubs sequence number).</param>
/// <param name="EnqueuedAt">When the transport accepted it (stable across redeliveries).</param>
public sealed record PayloadOrigin(string Source, string Id, DateTimeOffset EnqueuedAt);

/// <summary>A stored dead letter.</summary>
public sealed record DeadLetter(
    string Code,
    string Reason,
    string? HostId,
    long? Sequence,
    int? SampleIndex,
    PayloadOrigin Origin,
    DateTimeOffset RecordedAt,
    string Payload,
    string PayloadEncoding,
    int PayloadBytes,
    bool Truncated);

/// <summary>
/// Rejected telemetry with its reason and raw payload (at most <see cref="MaxPayloadBytes"/> kept). One partition per
/// UTC day of the payload's enqueue time; the row key derives from the origin, so a redelivered payload's dead
/// letters overwrite themselves instead of piling up. Writes go in entity-group transactions of up to 100 rows.
/// </summary>
public sealed class DeadLetterStore(TableClient table, TimeProvider timeProvider)
{
    public const int MaxPayloadBytes = 8 * 1024;
    private const int MaxReasonChars = 4_000;

    public TableClient Table { get; } = table;

    public async Task WriteAsync(IReadOnlyList<(TelemetryRejection Rejection, PayloadOrigin Origin)> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var partition in items.GroupBy(i => PartitionOf(i.Origin.EnqueuedAt)))
        {
            // One row per key: a batch with the same key twice is refused by the service.
            var rows = partition
                .Select(i => ToEntity(i.Rejection, i.Origin, now))
                .GroupBy(e => e.RowKey, StringComparer.Ordinal)
                .Select(g => g.Last())
                .ToList();
            foreach (var chunk in rows.Chunk(100))
            {
                await Table.SubmitTransactionAsync(
                    chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)),
                    cancellationToken);
            }
        }
    }

    /// <summary>Dead letters of one UTC day (of enqueue time), up to <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(DateOnly day, int max, CancellationToken cancellationToken)
    {
        var result = new List<DeadLetter>();
        var partition = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken))
        {
            result.Add(FromEntity(entity));
            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    private static string PartitionOf(DateTimeOffset enqueuedAt) => enqueuedAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Row key: the origin plus what was rejected in it (the payload, a sample by index, or a sample by sequence).</summary>
    internal static string RowKeyOf(TelemetryRejection rejection, PayloadOrigin origin)
    {
        var what = rejection switch
        {
            { SampleIndex: { } index } => "i" + index.ToString("D5", CultureInfo.InvariantCulture),
            { Sequence: { } sequence } => "s" + sequence.ToString(CultureInfo.InvariantCulture),
            _ => "payload",
        };
        return TableKeys.Escape(origin.Source + "|" + origin.Id + "|" + what);
    }

    private static TableEntity ToEntity(TelemetryRejection rejection, PayloadOrigin origin, DateTimeOffset now)
    {
        var (payload, encoding, truncated) = Encode(rejection.RawPayload.Span);
        var entity = new TableEntity(PartitionOf(origin.EnqueuedAt), RowKeyOf(rejection, origin))
        {
            ["Code"] = rejection.Code,
            ["Reason"] = rejection.Reason.Length > MaxReasonChars ? rejection.Reason[..MaxReasonChars] : rejection.Reason,
            ["HostId"] = rejection.HostId,
            ["Sequence"] = rejection.Sequence,
            ["SampleIndex"] = rejection.SampleIndex,
            ["Source"] = origin.Source,
            ["OriginId"] = origin.Id,
            ["EnqueuedAt"] = origin.EnqueuedAt,
            ["RecordedAt"] = now,
            ["Payload"] = payload,
            ["PayloadEncoding"] = encoding,
            ["PayloadBytes"] = rejection.RawPayload.Length,
            ["Truncated"] = truncated,
        };
        return entity;
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
        e.GetString("Code") ?? string.Empty,
        e.GetString("Reason") ?? string.Empty,
        e.GetString("HostId"),
        e.GetInt64("Sequence"),
        e.GetInt32("SampleIndex"),
        new PayloadOrigin(e.GetString("Source") ?? string.Empty, e.GetString("OriginId") ?? string.Empty, e.GetDateTimeOffset("EnqueuedAt") ?? default),
        e.GetDateTimeOffset("RecordedAt") ?? default,
        e.GetString("Payload") ?? string.Empty,
        e.GetString("PayloadEncoding") ?? "utf-8",
        e.GetInt32("PayloadBytes") ?? 0,
        e.GetBoolean("Truncated") ?? false);
}
