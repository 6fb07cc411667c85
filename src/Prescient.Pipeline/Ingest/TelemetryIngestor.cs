using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Storage;
using Prescient.Telemetry;

namespace Prescient.Pipeline.Ingest;

/// <summary>One payload as a transport delivered it: the JSON bytes of a telemetry batch and where it came from.</summary>
public sealed record IncomingPayload(ReadOnlyMemory<byte> Body, PayloadOrigin Origin);

/// <summary>What one ingest call did.</summary>
/// <param name="Payloads">Payloads read.</param>
/// <param name="Accepted">Samples counted into windows now.</param>
/// <param name="Duplicates">Samples already counted (redeliveries): no effect.</param>
/// <param name="DeadLettered">Rejections written to the dead-letter table (whole payloads or single samples).</param>
/// <param name="Hosts">Distinct hosts with valid samples.</param>
/// <param name="Conflicts">Window writes redone after a concurrent writer won (ETag).</param>
public sealed record IngestResult(int Payloads, int Accepted, int Duplicates, int DeadLettered, int Hosts, int Conflicts)
{
    public static IngestResult Empty { get; } = new(0, 0, 0, 0, 0, 0);

    public IngestResult Add(IngestResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Payloads + other.Payloads, Accepted + other.Accepted, Duplicates + other.Duplicates,
            DeadLettered + other.DeadLettered, Hosts + other.Hosts, Conflicts + other.Conflicts);
    }
}

public sealed record IngestOptions
{
    /// <summary>
    /// How long after registering a host (its last-ingest time in the hosts table) an ingester registers it again.
    /// Every host is registered on its first ingest; after that, at most once per interval per ingester, so that a
    /// large fleet does not write one hosts-table row per host per delivery into that table's single partition
    /// (docs/scale.md). Zero: on every ingest.
    /// </summary>
    public TimeSpan HostTouchInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Deliveries a telemetry queue message gets before <see cref="QueueTelemetryDrainer"/> moves it to the poison queue
    /// (at least 1; <c>Prescient__Pipeline__Ingest__MaxDequeueCount</c>). The default, 5, is what the repository's
    /// <c>host.json</c> sets for the Functions queue trigger (<c>extensions.queues.maxDequeueCount</c>), so both
    /// transports give up on a message after the same number of tries.
    /// </summary>
    public int MaxDequeueCount { get; init; } = 5;
}

/// <summary>
/// The transport-independent ingest step: validate every payload, dead-letter what is invalid (never failing the
/// others), count valid samples into the window store (idempotent per host and sequence), register the hosts.
/// When it returns, everything it was given is either counted or dead-lettered, and the caller may checkpoint
/// (Event Hubs) or delete the messages (queue). If it throws, nothing must be checkpointed: a redelivery is harmless.
/// </summary>
public sealed partial class TelemetryIngestor(
    TelemetryValidator validator,
    WindowStore windows,
    DeadLetterStore deadLetters,
    HostStateStore hosts,
    TimeProvider timeProvider,
    ILogger<TelemetryIngestor> logger,
    IngestOptions? options = null)
{
    private const int MaxLoggedRejections = 20;

    /// <summary>Hosts whose registration time an ingester remembers (beyond it, it forgets them all and registers again).</summary>
    private const int MaxRememberedHosts = 1_000_000;

    private readonly IngestOptions _options = options ?? new IngestOptions();
    private readonly Dictionary<string, DateTimeOffset> _registered = new(StringComparer.Ordinal);

    public async Task<IngestResult> IngestAsync(IReadOnlyList<IncomingPayload> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        if (payloads.Count == 0)
        {
            return IngestResult.Empty;
        }

        var rejections = new List<(TelemetryRejection, PayloadOrigin)>();
        var byHost = new Dictionary<string, List<TelemetrySample>>(StringComparer.Ordinal);
        var originOf = new Dictionary<(string Host, long Sequence, DateTimeOffset Timestamp), PayloadOrigin>();
        foreach (var payload in payloads)
        {
            var result = validator.Validate(payload.Body);
            foreach (var rejection in result.Rejected)
            {
                rejections.Add((rejection, payload.Origin));
            }

            if (result.HostId is { } hostId && result.Accepted.Count > 0)
            {
                if (!byHost.TryGetValue(hostId, out var list))
                {
                    list = [];
                    byHost.Add(hostId, list);
                }

                list.AddRange(result.Accepted);
                foreach (var sample in result.Accepted)
                {
                    originOf.TryAdd((hostId, sample.Sequence, sample.Timestamp), payload.Origin);
                }
            }
        }

        int accepted = 0, duplicates = 0, conflicts = 0;
        var refused = new List<(TelemetryRejection, PayloadOrigin)>();
        // All hosts at once: the window store packs the hosts of each table partition into shared transactions.
        var written = await windows.ApplyAsync(byHost.ToDictionary(h => h.Key, h => (IReadOnlyList<TelemetrySample>)h.Value, StringComparer.Ordinal), cancellationToken);
        foreach (var (hostId, result) in written)
        {
            accepted += result.Accepted;
            duplicates += result.Duplicates;
            conflicts += result.Conflicts;
            foreach (var r in result.Refused)
            {
                refused.Add((
                    new TelemetryRejection(r.Code, r.Reason, hostId, r.Sample.Sequence, null,
                        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(r.Sample, TelemetryJsonContext.Default.TelemetrySample)),
                    originOf[(hostId, r.Sample.Sequence, r.Sample.Timestamp)]));
            }
        }

        rejections.AddRange(refused);
        await deadLetters.WriteAsync(rejections, cancellationToken);
        if (byHost.Count > 0)
        {
            await RegisterAsync(byHost.Keys, cancellationToken);
        }

        foreach (var (rejection, origin) in rejections.Take(MaxLoggedRejections))
        {
            LogDeadLettered(logger, rejection.Code, origin.Source, origin.Id, rejection.HostId, rejection.Reason);
        }

        var total = new IngestResult(payloads.Count, accepted, duplicates, rejections.Count, byHost.Count, conflicts);
        LogIngested(logger, total.Payloads, total.Accepted, total.Duplicates, total.DeadLettered, total.Hosts, total.Conflicts);
        return total;
    }

    /// <summary>Records the hosts' last-ingest time: new hosts always, known ones once per <see cref="IngestOptions.HostTouchInterval"/>.</summary>
    private async Task RegisterAsync(IEnumerable<string> hostIds, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        List<string> due;
        lock (_registered)
        {
            due = [.. hostIds.Where(h => !_registered.TryGetValue(h, out var at) || now - at >= _options.HostTouchInterval || now < at)];
        }

        if (due.Count == 0)
        {
            return;
        }

        await hosts.TouchAsync(due, now, cancellationToken);
        lock (_registered)
        {
            if (_registered.Count + due.Count > MaxRememberedHosts)
            {
                _registered.Clear();
            }

            foreach (var hostId in due)
            {
                _registered[hostId] = now;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {Payloads} payloads: {Accepted} samples counted, {Duplicates} duplicates ignored, {DeadLettered} dead-lettered, {Hosts} hosts, {Conflicts} write conflicts redone")]
    private static partial void LogIngested(ILogger logger, int payloads, int accepted, int duplicates, int deadLettered, int hosts, int conflicts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered telemetry ({Code}) from {Source} {OriginId}, host {HostId}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string code, string source, string originId, string? hostId, string reason);
}
