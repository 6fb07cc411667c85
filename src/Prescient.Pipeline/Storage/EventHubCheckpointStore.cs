using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Storage;

/// <summary>A partition's checkpoint: the last event whose effects are stored.</summary>
public sealed record PartitionCheckpoint(string PartitionId, long SequenceNumber, string? Offset, DateTimeOffset UpdatedAt, ETag ETag);

/// <summary>A claim on a partition: only the owner drains it until <see cref="ExpiresAt"/>.</summary>
public sealed record PartitionOwnership(string PartitionId, string OwnerId, DateTimeOffset ExpiresAt, ETag ETag);

/// <summary>A checkpoint or ownership row changed under us (412 or 409): someone else owns the partition now.</summary>
public sealed class CheckpointConflictException : Exception
{
    public CheckpointConflictException()
    {
    }

    public CheckpointConflictException(string message)
        : base(message)
    {
    }

    public CheckpointConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Event Hubs checkpoints and partition ownership in an Azure table, ETag-conditional. Partition key =
/// <c>namespace|hub|consumer group</c>; row keys <c>checkpoint-{partition}</c> and <c>ownership-{partition}</c>.
/// A claim succeeds only on a missing row (add: 409 when another claimer wins), an expired claim, or one's own claim
/// (replace with the read ETag: 412 when another claimer wins). A checkpoint write is conditional on the ETag the
/// drain started from, so a drainer that lost its claim can never move a newer checkpoint back.
/// </summary>
public sealed class EventHubCheckpointStore
{
    private readonly TableClient _table;
    private readonly TimeProvider _timeProvider;
    private readonly string _partitionKey;

    public EventHubCheckpointStore(TableClient table, string fullyQualifiedNamespace, string eventHubName, string consumerGroup, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(fullyQualifiedNamespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventHubName);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        _table = table;
        _timeProvider = timeProvider;
        _partitionKey = TableKeys.Escape($"{fullyQualifiedNamespace.ToLowerInvariant()}|{eventHubName.ToLowerInvariant()}|{consumerGroup.ToLowerInvariant()}");
    }

    public async Task<PartitionCheckpoint?> GetCheckpointAsync(string partitionId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(_partitionKey, CheckpointKey(partitionId), cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is null)
        {
            return null;
        }

        var e = response.Value;
        return new PartitionCheckpoint(partitionId, e.GetInt64("SequenceNumber") ?? -1, e.GetString("Offset"), e.GetDateTimeOffset("UpdatedAt") ?? default, e.ETag);
    }

    /// <summary>
    /// Writes the checkpoint if it is still the one read (<paramref name="expected"/> null: none existed).
    /// </summary>
    /// <exception cref="CheckpointConflictException">Another drainer moved it.</exception>
    public async Task<PartitionCheckpoint> SetCheckpointAsync(string partitionId, long sequenceNumber, string? offset, PartitionCheckpoint? expected, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var entity = new TableEntity(_partitionKey, CheckpointKey(partitionId))
        {
            ["SequenceNumber"] = sequenceNumber,
            ["Offset"] = offset,
            ["UpdatedAt"] = now,
        };
        try
        {
            var response = expected is null
                ? await _table.AddEntityAsync(entity, cancellationToken)
                : await _table.UpdateEntityAsync(entity, expected.ETag, TableUpdateMode.Replace, cancellationToken);
            return new PartitionCheckpoint(partitionId, sequenceNumber, offset, now, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            throw new CheckpointConflictException(
                string.Create(CultureInfo.InvariantCulture, $"The checkpoint of partition {partitionId} changed since it was read (HTTP {exception.Status}); another consumer owns it now."),
                exception);
        }
    }

    public async Task<PartitionOwnership?> GetOwnershipAsync(string partitionId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(_partitionKey, OwnershipKey(partitionId), cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } e
            ? new PartitionOwnership(partitionId, e.GetString("OwnerId") ?? string.Empty, e.GetDateTimeOffset("ExpiresAt") ?? default, e.ETag)
            : null;
    }

    /// <summary>Claims the partition for <paramref name="ownerId"/> (or renews its own claim); null when someone else holds it or wins the race.</summary>
    public async Task<PartitionOwnership?> TryClaimAsync(string partitionId, string ownerId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ownerId);
        var now = _timeProvider.GetUtcNow();
        var current = await GetOwnershipAsync(partitionId, cancellationToken);
        if (current is not null && current.ExpiresAt > now && !string.Equals(current.OwnerId, ownerId, StringComparison.Ordinal))
        {
            return null;
        }

        return await WriteClaimAsync(partitionId, ownerId, now + duration, current, cancellationToken);
    }

    /// <summary>Extends a held claim; null when it was lost (another owner replaced it).</summary>
    public Task<PartitionOwnership?> RenewAsync(PartitionOwnership held, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        return WriteClaimAsync(held.PartitionId, held.OwnerId, _timeProvider.GetUtcNow() + duration, held, cancellationToken);
    }

    /// <summary>Gives a claim up (expires it now) if it is still ours; a lost claim is left alone.</summary>
    public async Task ReleaseAsync(PartitionOwnership held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        await WriteClaimAsync(held.PartitionId, held.OwnerId, _timeProvider.GetUtcNow(), held, cancellationToken);
    }

    private async Task<PartitionOwnership?> WriteClaimAsync(string partitionId, string ownerId, DateTimeOffset expiresAt, PartitionOwnership? expected, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(_partitionKey, OwnershipKey(partitionId))
        {
            ["OwnerId"] = ownerId,
            ["ExpiresAt"] = expiresAt,
        };
        try
        {
            var response = expected is null
                ? await _table.AddEntityAsync(entity, cancellationToken)
                : await _table.UpdateEntityAsync(entity, expected.ETag, TableUpdateMode.Replace, cancellationToken);
            return new PartitionOwnership(partitionId, ownerId, expiresAt, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            return null;
        }
    }

    private static string CheckpointKey(string partitionId) => "checkpoint-" + TableKeys.Escape(partitionId);

    private static string OwnershipKey(string partitionId) => "ownership-" + TableKeys.Escape(partitionId);
}
