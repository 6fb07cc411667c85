using System.Net;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Api.DeadLetters;

/// <summary>GET /api/deadletters: the newest dead letters of a range (without payloads) and the counts by reason.</summary>
public sealed record DeadLettersResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    int Total,
    IReadOnlyList<DeadLetterCount> ByReason,
    IReadOnlyList<DeadLetterSummary> DeadLetters,
    bool Capped);

/// <summary>
/// One dead letter: every rejection of one <see cref="Reason"/> (a rejection code) from one payload, <see cref="Count"/>
/// of them; <see cref="Detail"/> is the first one's explanation.
/// </summary>
public sealed record DeadLetterSummary(
    string Id,
    string Reason,
    string Detail,
    string? HostId,
    long? Sequence,
    int? SampleIndex,
    int? LastSampleIndex,
    int Count,
    string Source,
    string OriginId,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset RecordedAt,
    int PayloadBytes,
    bool Truncated);

/// <summary>GET /api/deadletters/{id}: one dead letter with its raw payload (the first rejected item, at most 8 KiB).</summary>
public sealed record DeadLetterDetail(DeadLetterSummary DeadLetter, string Payload, string PayloadEncoding);

/// <summary>The dead-letter routes over the pipeline's <see cref="DeadLetterStore"/>.</summary>
public sealed class DeadLettersHandler(DeadLetterStore store, TimeProvider time)
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public async Task<ApiResponse> ListAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<string>();
        var to = ApiQuery.ParseTime(request, "to", errors) ?? time.GetUtcNow().AddSeconds(1);
        var from = ApiQuery.ParseTime(request, "from", errors) ?? to - DefaultRange;
        var limit = ApiQuery.ParseLimit(request, errors);
        var reason = request.QueryValue("reason");
        if (reason is not null && (reason.Length is 0 or > 64 || !reason.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            errors.Add($"reason: {EntityIds.Quote(reason)} is not a rejection code (lower-case letters, digits and -, e.g. invalid-json).");
        }

        var host = request.QueryValue("host");
        if (host is not null && EntityIds.Describe(host) is { } bad)
        {
            errors.Add($"host: {EntityIds.Quote(host)} {bad}");
        }

        if (errors.Count == 0 && from >= to)
        {
            errors.Add($"from ({from:O}) must be before to ({to:O}).");
        }

        if (errors.Count == 0 && to - from > MaxRange)
        {
            errors.Add($"The range from {from:O} to {to:O} is longer than {MaxRange.TotalDays} days; ask for a shorter one.");
        }

        if (errors.Count > 0)
        {
            return ApiResponse.BadRequest("The query is not valid.", errors);
        }

        var page = await store.QueryAsync(new DeadLetterQuery(from, to, reason, host, limit), cancellationToken);
        return ApiResponse.Ok(new DeadLettersResponse(
            from, to, page.ByReason.Sum(c => c.Samples), page.ByReason, [.. page.DeadLetters.Select(Summary)], page.Capped));
    }

    public async Task<ApiResponse> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } letter
            ? ApiResponse.Ok(new DeadLetterDetail(Summary(letter), letter.Payload, letter.PayloadEncoding))
            : ApiResponse.Error(HttpStatusCode.NotFound, "not-found", $"Dead letter {EntityIds.Quote(id)} is not known (or retention deleted it).");

    private static DeadLetterSummary Summary(DeadLetter d) => new(
        d.Id, d.Code, d.Reason, d.HostId, d.Sequence, d.SampleIndex, d.LastSampleIndex, d.Count,
        d.Origin.Source, d.Origin.Id, d.Origin.EnqueuedAt, d.RecordedAt, d.PayloadBytes, d.Truncated);
}
