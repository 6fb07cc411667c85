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
    ETag ETag);

/// <summary>
/// Host state in one table partition (<c>host</c>, one row per host): the list of hosts is one query. Each job
/// writes its own columns with merge updates (ingest: last ingest; retrain: model and accuracy; evaluate: controller
/// state, with the ETag it read, so two evaluations of one host cannot both apply).
/// </summary>
public sealed class HostStateStore(TableClient table)
{
    public const string Partition = "host";

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

    public Task SetPowerStateAsync(string hostId, string powerState, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(new TableEntity(Partition, hostId) { ["PowerState"] = powerState }, TableUpdateMode.Merge, cancellationToken);

    /// <summary>Stores the controller's state after a decision, if the row is still the one read (<paramref name="expected"/>).</summary>
    /// <returns>False when another evaluation changed the host first (412): nothing was written.</returns>
    public async Task<bool> TryUpdateControllerAsync(
        string hostId,
        string controllerMode,
        string controllerStateJson,
        string lastDecision,
        DateTimeOffset at,
        ETag expected,
        CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition, hostId)
        {
            ["ControllerMode"] = controllerMode,
            ["ControllerStateJson"] = controllerStateJson,
            ["LastDecision"] = lastDecision.Length > 4000 ? lastDecision[..4000] : lastDecision,
            ["LastDecisionAt"] = at,
        };
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
            return false;
        }
    }

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
        e.ETag);
}
