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
    /// <summary>Hosts written concurrently within one ingest call (each host's windows are one table partition).</summary>
    public int HostParallelism { get; init; } = 8;

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

    private readonly IngestOptions _options = options ?? new IngestOptions();

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
        await Parallel.ForEachAsync(
            byHost,
            new ParallelOptions { MaxDegreeOfParallelism = _options.HostParallelism, CancellationToken = cancellationToken },
            async (host, ct) =>
            {
                var written = await windows.ApplyAsync(host.Key, host.Value, ct);
                Interlocked.Add(ref accepted, written.Accepted);
                Interlocked.Add(ref duplicates, written.Duplicates);
                Interlocked.Add(ref conflicts, written.Conflicts);
                if (written.Refused.Count > 0)
                {
                    lock (refused)
                    {
                        foreach (var r in written.Refused)
                        {
                            refused.Add((
                                new TelemetryRejection(r.Code, r.Reason, host.Key, r.Sample.Sequence, null,
                                    System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(r.Sample, TelemetryJsonContext.Default.TelemetrySample)),
                                originOf[(host.Key, r.Sample.Sequence, r.Sample.Timestamp)]));
                        }
                    }
                }
            });

        rejections.AddRange(refused);
        await deadLetters.WriteAsync(rejections, cancellationToken);
        if (byHost.Count > 0)
        {
            await hosts.TouchAsync(byHost.Keys, timeProvider.GetUtcNow(), cancellationToken);
        }

        foreach (var (rejection, origin) in rejections.Take(MaxLoggedRejections))
        {
            LogDeadLettered(logger, rejection.Code, origin.Source, origin.Id, rejection.HostId, rejection.Reason);
        }

        var total = new IngestResult(payloads.Count, accepted, duplicates, rejections.Count, byHost.Count, conflicts);
        LogIngested(logger, total.Payloads, total.Accepted, total.Duplicates, total.DeadLettered, total.Hosts, total.Conflicts);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {Payloads} payloads: {Accepted} samples counted, {Duplicates} duplicates ignored, {DeadLettered} dead-lettered, {Hosts} hosts, {Conflicts} write conflicts redone")]
    private static partial void LogIngested(ILogger logger, int payloads, int accepted, int duplicates, int deadLettered, int hosts, int conflicts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered telemetry ({Code}) from {Source} {OriginId}, host {HostId}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string code, string source, string originId, string? hostId, string reason);
}
