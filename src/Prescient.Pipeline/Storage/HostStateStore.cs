using Azure;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Storage;

/// <summary>What the pipeline knows about a host between runs.</summary>
public sealed record HostState(
    string HostId,
    string? ControllerMode,
    string? NetworkMode,
    double? Accuracy,
    DateTimeOffset? AccuracyAt,
    string? ModelVersion,
    string? PowerState,
    string? LastDecision,
    DateTimeOffset? LastDecisionAt,
    string? ControllerStateJson,
    DateTimeOffset? LastIngestAt,
    ETag ETag)
{
    /// <summary>CPU capacity relative to the fleet's reference host (inventory; null: the evaluator's default).</summary>
    public double? CpuCapacity { get; init; }

    /// <summary>Installed memory in MB (inventory; null: the evaluator's default).</summary>
    public double? MemoryMb { get; init; }

    /// <summary>The last evaluated cycle (one evaluation per host per cycle).</summary>
    public string? LastCycleId { get; init; }

    /// <summary>Since when the current indication has held (for the hold-duration guard).</summary>
    public DateTimeOffset? IndicationSince { get; init; }
}

/// <summary>A host's controller state to store after a decision (<see cref="HostStateStore.TryUpdateControllersAsync"/>).</summary>
/// <param name="Expected">The ETag the host's row was read with (default: the row did not exist).</param>
/// <param name="ReadControllerStateJson">The controller state read with it (to tell another evaluation's write from another job's).</param>
public sealed record ControllerUpdate(
    string HostId,
    string ControllerMode,
    string ControllerStateJson,
    string LastDecision,
    DateTimeOffset At,
    string CycleId,
    DateTimeOffset? IndicationSince,
    ETag Expected,
    string? ReadControllerStateJson);

/// <summary>
/// Host state in one table partition (<c>host</c>, one row per host): the list of hosts is one query. Each job
/// writes its own columns with merge updates (ingest: last ingest; retrain: model and accuracy; evaluate: controller
/// state, with the ETag it read, so two evaluations of one host cannot both apply).
/// </summary>
public sealed class HostStateStore(TableClient table)
{
    public const string Partition = "host";
    private const string VmMovePartition = "vmmove";

    public TableClient Table { get; } = table;

    /// <summary>Registers hosts (or refreshes their last-ingest time) in transactions of up to 100.</summary>
    public async Task TouchAsync(IEnumerable<string> hostIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var chunk in hostIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Chunk(100))
        {
            var actions = chunk.Select(id => new TableTransactionAction(
                TableTransactionActionType.UpsertMerge,
                new TableEntity(Partition, id) { ["LastIngestAt"] = at }));
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>When the evaluator last asked to move each VM (for the cooldown guard).</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> GetVmMovesAsync(CancellationToken cancellationToken)
    {
        var moves = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == VmMovePartition, cancellationToken: cancellationToken))
        {
            moves[e.GetString("VmId") ?? e.RowKey] = e.GetDateTimeOffset("MovedAt") ?? default;
        }

        return moves;
    }

    public async Task RecordVmMovesAsync(IEnumerable<string> vmIds, DateTimeOffset at, CancellationToken cancellationToken)
    {
        foreach (var chunk in vmIds.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            await Table.SubmitTransactionAsync(
                chunk.Select(id => new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace,
                    new TableEntity(VmMovePartition, TableKeys.Escape(id)) { ["VmId"] = id, ["MovedAt"] = at })),
                cancellationToken);
        }
    }

    public async Task<IReadOnlyList<string>> ListHostIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(entity.RowKey);
        }

        return ids;
    }

    public async Task<HostState?> GetAsync(string hostId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, hostId, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } e ? FromEntity(e) : null;
    }

    public async Task<IReadOnlyList<HostState>> ListAsync(CancellationToken cancellationToken)
    {
        var result = new List<HostState>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            result.Add(FromEntity(entity));
        }

        return result;
    }

    public Task UpdateModelAsync(string hostId, string modelVersion, double? accuracy, string networkMode, DateTimeOffset at, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(
            new TableEntity(Partition, hostId)
            {
                ["ModelVersion"] = modelVersion,
                ["Accuracy"] = accuracy,
                ["AccuracyAt"] = at,
                ["NetworkMode"] = networkMode,
            },
            TableUpdateMode.Merge,
            cancellationToken);

    /// <summary>Records a host's inventory (capacity relative to the reference host, memory in MB).</summary>
    public Task SetInventoryAsync(string hostId, double cpuCapacity, double memoryMb, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(
            new TableEntity(Partition, hostId) { ["CpuCapacity"] = cpuCapacity, ["MemoryMb"] = memoryMb },
            TableUpdateMode.Merge,
            cancellationToken);

    public Task SetPowerStateAsync(string hostId, string powerState, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(new TableEntity(Partition, hostId) { ["PowerState"] = powerState }, TableUpdateMode.Merge, cancellationToken);

    /// <summary>
    /// Stores many hosts' controller states after a cycle's decisions, in transactions of up to 100 rows of the hosts
    /// partition, each row conditional on the ETag it was read with (as <see cref="TryUpdateControllerAsync"/>). A
    /// transaction that fails for one row (another job wrote it since) is submitted again without it, and that row
    /// goes through <see cref="TryUpdateControllerAsync"/> (re-read; a lost race only if another evaluation changed
    /// the controller's columns). Returns the hosts whose state was stored.
    /// </summary>
    public async Task<IReadOnlySet<string>> TryUpdateControllersAsync(IReadOnlyList<ControllerUpdate> updates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(updates.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            var pending = chunk.ToList();
            var alone = new List<ControllerUpdate>();
            while (pending.Count > 0)
            {
                try
                {
                    await Table.SubmitTransactionAsync(
                        pending.Select(u => u.Expected == default
                            ? new TableTransactionAction(TableTransactionActionType.Add, ControllerEntity(u))
                            : new TableTransactionAction(TableTransactionActionType.UpdateMerge, ControllerEntity(u), u.Expected)),
                        ct);
                    break;
                }
                catch (RequestFailedException exception) when (exception.Status is 409 or 412)
                {
                    if ((exception as TableTransactionFailedException)?.FailedTransactionActionIndex is { } index && index >= 0 && index < pending.Count)
                    {
                        alone.Add(pending[index]);
                        pending.RemoveAt(index);
                    }
                    else
                    {
                        alone.AddRange(pending);
                        pending.Clear();
                    }
                }
            }

            var done = pending.Select(u => u.HostId).ToList();
            foreach (var u in alone)
            {
                if (await TryUpdateControllerAsync(u.HostId, u.ControllerMode, u.ControllerStateJson, u.LastDecision, u.At, u.CycleId, u.IndicationSince, u.Expected, ct, u.ReadControllerStateJson))
                {
                    done.Add(u.HostId);
                }
            }

            lock (stored)
            {
                stored.UnionWith(done);
            }
        });
        return stored;
    }

    /// <summary>Stores the controller's state after a decision, if the row is still the one read (<paramref name="expected"/>).</summary>
    /// <returns>False when another evaluation changed the host first (412): nothing was written.</returns>
    public async Task<bool> TryUpdateControllerAsync(
        string hostId,
        string controllerMode,
        string controllerStateJson,
        string lastDecision,
        DateTimeOffset at,
        string cycleId,
        DateTimeOffset? indicationSince,
        ETag expected,
        CancellationToken cancellationToken,
        string? readControllerStateJson = null)
    {
        var entity = ControllerEntity(new ControllerUpdate(hostId, controllerMode, controllerStateJson, lastDecision, at, cycleId, indicationSince, expected, readControllerStateJson));
        // The ETag guards the whole row, but other jobs merge their own columns into it (ingest's last-ingest time,
        // retrain's model, power state). Only a change to the controller's columns by another evaluation is a lost
        // race; after any other write, re-read and try again with the new ETag.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (expected == default)
                {
                    await Table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await Table.UpdateEntityAsync(entity, expected, TableUpdateMode.Merge, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException exception) when (exception.Status is 409 or 412)
            {
                if (attempt >= 5)
                {
                    return false;
                }

                var current = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, hostId, cancellationToken: cancellationToken);
                if (!current.HasValue || current.Value is not { } row)
                {
                    return false;
                }

                var controllerUnchanged =
                    string.Equals(row.GetString("ControllerStateJson"), readControllerStateJson, StringComparison.Ordinal) &&
                    !string.Equals(row.GetString("LastCycleId"), cycleId, StringComparison.Ordinal);
                if (!controllerUnchanged)
                {
                    return false;
                }

                expected = row.ETag;
            }
        }
    }

    private static TableEntity ControllerEntity(ControllerUpdate u) => new(Partition, u.HostId)
    {
        ["ControllerMode"] = u.ControllerMode,
        ["ControllerStateJson"] = u.ControllerStateJson,
        ["LastDecision"] = u.LastDecision.Length > 4000 ? u.LastDecision[..4000] : u.LastDecision,
        ["LastDecisionAt"] = u.At,
        ["LastCycleId"] = u.CycleId,
        ["IndicationSince"] = u.IndicationSince,
    };

    private static HostState FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("ControllerMode"),
        e.GetString("NetworkMode"),
        e.GetDouble("Accuracy"),
        e.GetDateTimeOffset("AccuracyAt"),
        e.GetString("ModelVersion"),
        e.GetString("PowerState"),
        e.GetString("LastDecision"),
        e.GetDateTimeOffset("LastDecisionAt"),
        e.GetString("ControllerStateJson"),
        e.GetDateTimeOffset("LastIngestAt"),
        e.ETag)
    {
        CpuCapacity = e.GetDouble("CpuCapacity"),
        MemoryMb = e.GetDouble("MemoryMb"),
        LastCycleId = e.GetString("LastCycleId"),
        IndicationSince = e.GetDateTimeOffset("IndicationSince"),
    };
}
