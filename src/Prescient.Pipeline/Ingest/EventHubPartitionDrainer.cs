using System.Globalization;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Microsoft.Extensions.Logging;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Ingest;

/// <summary>Reads one partition from a position (the seam between the drain logic and the Event Hubs client).</summary>
public interface IPartitionReader : IAsyncDisposable
{
    Task<IReadOnlyList<EventData>> ReceiveBatchAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken);
}

/// <summary>Lists partitions and opens readers (implemented over <see cref="PartitionReceiver"/>; faked in tests).</summary>
public interface IPartitionSource
{
    string FullyQualifiedNamespace { get; }

    string EventHubName { get; }

    string ConsumerGroup { get; }

    Task<IReadOnlyList<string>> GetPartitionIdsAsync(CancellationToken cancellationToken);

    /// <summary>Opens a reader after <paramref name="afterSequenceNumber"/> (null: the partition's configured start, for a partition never checkpointed).</summary>
    IPartitionReader Open(string partitionId, long? afterSequenceNumber);
}

public sealed record EventHubDrainOptions
{
    /// <summary>Events asked for per receive.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>How long a receive waits for events before the partition counts as drained.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most events one run takes from one partition (bounded work per timer tick).</summary>
    public int MaxEventsPerPartition { get; init; } = 20_000;

    /// <summary>Most time one run spends on one partition.</summary>
    public TimeSpan MaxDurationPerPartition { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ownership claim length; renewed at each checkpoint. Longer than one batch's processing.</summary>
    public TimeSpan OwnershipDuration { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>What a drain did to one partition.</summary>
public sealed record PartitionDrainResult(string PartitionId, bool Claimed, int Events, long? CheckpointSequenceNumber, IngestResult Ingest, string? StoppedBecause);

/// <summary>
/// The Event Hubs consumer: a bounded, timer-driven drain of each partition from its checkpoint (docs/adr/0001).
/// Per partition: claim ownership (ETag-conditional row), read the checkpoint, then repeat { receive a batch, ingest
/// it, checkpoint its last event (conditional on the checkpoint's ETag), renew the claim } until the partition is
/// empty or the run's budget is spent; release the claim. A failure before the checkpoint leaves the batch to be
/// read again by the next run; the window store makes that harmless.
/// </summary>
public sealed partial class EventHubPartitionDrainer(
    IPartitionSource source,
    EventHubCheckpointStore checkpoints,
    TelemetryIngestor ingestor,
    TimeProvider timeProvider,
    ILogger<EventHubPartitionDrainer> logger,
    EventHubDrainOptions? options = null)
{
    private readonly EventHubDrainOptions _options = options ?? new EventHubDrainOptions();

    /// <summary>This drainer's owner id in ownership rows.</summary>
    public string OwnerId { get; init; } = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Test hook: runs after a batch is stored and before its checkpoint is written.</summary>
    internal Func<string, long, CancellationToken, Task>? BeforeCheckpoint { get; init; }

    /// <summary>Drains every partition (one after another; a timer run is bounded by the per-partition budget).</summary>
    public async Task<IReadOnlyList<PartitionDrainResult>> DrainAllAsync(CancellationToken cancellationToken)
    {
        var results = new List<PartitionDrainResult>();
        foreach (var partitionId in await source.GetPartitionIdsAsync(cancellationToken))
        {
            results.Add(await DrainPartitionAsync(partitionId, cancellationToken));
        }

        return results;
    }

    public async Task<PartitionDrainResult> DrainPartitionAsync(string partitionId, CancellationToken cancellationToken)
    {
        var ownership = await checkpoints.TryClaimAsync(partitionId, OwnerId, _options.OwnershipDuration, cancellationToken);
        if (ownership is null)
        {
            LogNotClaimed(logger, partitionId, OwnerId);
            return new PartitionDrainResult(partitionId, false, 0, null, IngestResult.Empty, "owned by another consumer");
        }

        var checkpoint = await checkpoints.GetCheckpointAsync(partitionId, cancellationToken);
        var total = IngestResult.Empty;
        var events = 0;
        string? stoppedBecause = null;
        var started = timeProvider.GetTimestamp();
        var sourceName = string.Create(CultureInfo.InvariantCulture, $"eventhub:{source.EventHubName}/{partitionId}");
        try
        {
            await using var reader = source.Open(partitionId, checkpoint?.SequenceNumber);
            while (true)
            {
                if (events >= _options.MaxEventsPerPartition)
                {
                    stoppedBecause = "event budget spent";
                    break;
                }

                if (timeProvider.GetElapsedTime(started) >= _options.MaxDurationPerPartition)
                {
                    stoppedBecause = "time budget spent";
                    break;
                }

                var batch = await reader.ReceiveBatchAsync(
                    Math.Min(_options.BatchSize, _options.MaxEventsPerPartition - events), _options.MaxWait, cancellationToken);
                if (batch.Count == 0)
                {
                    stoppedBecause = "drained";
                    break;
                }

                var payloads = batch
                    .Select(e => new IncomingPayload(
                        e.EventBody.ToMemory(),
                        new PayloadOrigin(sourceName, e.SequenceNumber.ToString(CultureInfo.InvariantCulture), e.EnqueuedTime)))
                    .ToList();
                total = total.Add(await ingestor.IngestAsync(payloads, cancellationToken));
                events += batch.Count;
                var last = batch[^1];
                if (BeforeCheckpoint is not null)
                {
                    await BeforeCheckpoint(partitionId, last.SequenceNumber, cancellationToken);
                }

                checkpoint = await checkpoints.SetCheckpointAsync(partitionId, last.SequenceNumber, last.OffsetString, checkpoint, cancellationToken);
                ownership = await checkpoints.RenewAsync(ownership, _options.OwnershipDuration, cancellationToken);
                if (ownership is null)
                {
                    stoppedBecause = "ownership lost";
                    break;
                }
            }
        }
        catch (CheckpointConflictException exception)
        {
            LogCheckpointConflict(logger, partitionId, exception.Message);
            stoppedBecause = "checkpoint moved by another consumer";
            ownership = null;
        }
        finally
        {
            if (ownership is not null)
            {
                try
                {
                    await checkpoints.ReleaseAsync(ownership, CancellationToken.None);
                }
                catch (Azure.RequestFailedException exception)
                {
                    // The claim expires by itself; do not hide the original failure behind this one.
                    LogReleaseFailed(logger, partitionId, exception.Message);
                }
            }
        }

        LogDrained(logger, partitionId, events, total.Accepted, total.DeadLettered, checkpoint?.SequenceNumber, stoppedBecause);
        return new PartitionDrainResult(partitionId, true, events, checkpoint?.SequenceNumber, total, stoppedBecause);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionId}: releasing the claim failed ({Message}); it will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string partitionId, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Partition {PartitionId} is owned by another consumer; {OwnerId} skips it")]
    private static partial void LogNotClaimed(ILogger logger, string partitionId, string ownerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionId}: {Message}")]
    private static partial void LogCheckpointConflict(ILogger logger, string partitionId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionId}: {Events} events, {Accepted} samples counted, {DeadLettered} dead-lettered, checkpoint {Checkpoint} ({StoppedBecause})")]
    private static partial void LogDrained(ILogger logger, string partitionId, int events, int accepted, int deadLettered, long? checkpoint, string? stoppedBecause);
}

/// <summary><see cref="IPartitionSource"/> over a real Event Hub: one shared AMQP connection, a <see cref="PartitionReceiver"/> per partition.</summary>
public sealed class EventHubPartitionSource(EventHubConnection connection, string consumerGroup) : IPartitionSource, IAsyncDisposable
{
    public string FullyQualifiedNamespace => connection.FullyQualifiedNamespace;

    public string EventHubName => connection.EventHubName;

    public string ConsumerGroup { get; } = consumerGroup;

    public async Task<IReadOnlyList<string>> GetPartitionIdsAsync(CancellationToken cancellationToken)
    {
        await using var consumer = new EventHubConsumerClient(ConsumerGroup, connection);
        return await consumer.GetPartitionIdsAsync(cancellationToken);
    }

    /// <summary>Where a partition without a checkpoint starts (default: its earliest retained event).</summary>
    public EventPosition DefaultStart { get; init; } = EventPosition.Earliest;

    public IPartitionReader Open(string partitionId, long? afterSequenceNumber) =>
        new Reader(new PartitionReceiver(
            ConsumerGroup,
            partitionId,
            afterSequenceNumber is { } sequence ? EventPosition.FromSequenceNumber(sequence, isInclusive: false) : DefaultStart,
            connection));

    public ValueTask DisposeAsync() => connection.DisposeAsync();

    private sealed class Reader(PartitionReceiver receiver) : IPartitionReader
    {
        public async Task<IReadOnlyList<EventData>> ReceiveBatchAsync(int maxCount, TimeSpan maxWait, CancellationToken cancellationToken) =>
            [.. await receiver.ReceiveBatchAsync(maxCount, maxWait, cancellationToken)];

        public ValueTask DisposeAsync() => receiver.DisposeAsync();
    }
}
