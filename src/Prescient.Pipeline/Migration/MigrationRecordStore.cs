using System.Text.Json;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Migration;

/// <summary>How a migration ended (or that it is still running).</summary>
public enum MigrationResult
{
    Running,

    /// <summary>Every VM runs on the destination and the source sent all remaining state.</summary>
    Completed,

    /// <summary>Every VM runs on the destination, but a later step (finish) did not confirm: see the reason.</summary>
    CompletedWithWarnings,

    /// <summary>Some VMs of the group moved and others were aborted back to the source.</summary>
    PartiallyCompleted,

    /// <summary>Aborted before resume-started: every VM runs on the source.</summary>
    Aborted,

    /// <summary>Cancelled by an operator before resume-started and aborted: every VM runs on the source.</summary>
    Cancelled,

    /// <summary>Never started: lease held, VM not on the source, or the destination refused.</summary>
    Refused,

    /// <summary>The workflow could not establish where a VM runs (for example the source stopped answering during abort).</summary>
    Failed,
}

/// <summary>One step of a migration as recorded for the API (also visible in the orchestration history).</summary>
public sealed record StepTiming(string Step, string? VmId, DateTimeOffset StartedAt, DateTimeOffset EndedAt, string Outcome)
{
    public double Seconds => (EndedAt - StartedAt).TotalSeconds;
}

public sealed record VmMigrationOutcome(string VmId, MigrationResult Result, string? RunningOn, int Rounds, string Reason);

/// <summary>A row of the migrations table.</summary>
public sealed record MigrationRecord(
    string MigrationId,
    string InstanceId,
    string SourceHostId,
    string DestinationHostId,
    IReadOnlyList<string> VmIds,
    string? GroupId,
    string Reason,
    MigrationResult Result,
    string Outcome,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<StepTiming> Steps,
    IReadOnlyList<VmMigrationOutcome> Vms);

/// <summary>The migrations table the API reads: one row per migration id, upserted at start and at the end.</summary>
public interface IMigrationRecordStore
{
    Task UpsertAsync(MigrationRecord record, CancellationToken cancellationToken = default);

    Task<MigrationRecord?> GetAsync(string migrationId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MigrationRecord>> ListAsync(int max = 500, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the outcome text of a migration still recorded as running (for example "interrupted by a stop"); false, and
    /// nothing written, when it ended meanwhile: an end record is never overwritten.
    /// </summary>
    Task<bool> TryNoteRunningAsync(string migrationId, string note, CancellationToken cancellationToken = default);

    /// <summary>The migrations still running (the evaluator counts their VMs as busy and their destinations as reserved).</summary>
    Task<IReadOnlyList<MigrationRecord>> ListRunningAsync(CancellationToken cancellationToken = default);
}

public sealed class MigrationRecordStore(TableServiceClient tables, string tableName = MigrationRecordStore.DefaultTableName) : IMigrationRecordStore
{
    public const string DefaultTableName = "Migrations";
    private const string Partition = "migration";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table = tables.GetTableClient(tableName);
    private int _created;

    public async Task UpsertAsync(MigrationRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await EnsureTableAsync(cancellationToken);
        var entity = new TableEntity(Partition, record.MigrationId)
        {
            ["InstanceId"] = record.InstanceId,
            ["SourceHostId"] = record.SourceHostId,
            ["DestinationHostId"] = record.DestinationHostId,
            ["VmIds"] = string.Join(',', record.VmIds),
            ["GroupId"] = record.GroupId,
            ["Reason"] = record.Reason,
            ["Result"] = record.Result.ToString(),
            ["Outcome"] = record.Outcome,
            ["StartedAt"] = record.StartedAt,
            ["EndedAt"] = record.EndedAt,
            ["StepsJson"] = JsonSerializer.Serialize(record.Steps, Json),
            ["VmsJson"] = JsonSerializer.Serialize(record.Vms, Json),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<MigrationRecord?> GetAsync(string migrationId, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var entity = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, migrationId, cancellationToken: cancellationToken);
        return entity.HasValue ? ToRecord(entity.Value!) : null;
    }

    public async Task<IReadOnlyList<MigrationRecord>> ListAsync(int max = 500, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var records = new List<MigrationRecord>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            records.Add(ToRecord(entity));
            if (records.Count >= max)
            {
                break;
            }
        }

        return records.OrderByDescending(r => r.StartedAt).ToList();
    }

    public async Task<bool> TryNoteRunningAsync(string migrationId, string note, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var existing = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, migrationId, cancellationToken: cancellationToken);
        if (!existing.HasValue || existing.Value!.GetString("Result") != nameof(MigrationResult.Running))
        {
            return false;
        }

        try
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition, migrationId) { ["Outcome"] = note }, existing.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (Azure.RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Rewritten meanwhile (by its workflow): leave it.
            return false;
        }
    }

    public async Task<IReadOnlyList<MigrationRecord>> ListRunningAsync(CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var running = nameof(MigrationResult.Running);
        var records = new List<MigrationRecord>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition && e.GetString("Result") == running, cancellationToken: cancellationToken))
        {
            records.Add(ToRecord(entity));
        }

        return records;
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 0)
        {
            await _table.CreateIfNotExistsAsync(cancellationToken);
            Volatile.Write(ref _created, 1);
        }
    }

    private static MigrationRecord ToRecord(TableEntity e) => new(
        e.RowKey,
        e.GetString("InstanceId") ?? "",
        e.GetString("SourceHostId") ?? "",
        e.GetString("DestinationHostId") ?? "",
        (e.GetString("VmIds") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
        e.GetString("GroupId"),
        e.GetString("Reason") ?? "",
        Enum.TryParse<MigrationResult>(e.GetString("Result"), out var result) ? result : MigrationResult.Failed,
        e.GetString("Outcome") ?? "",
        e.GetDateTimeOffset("StartedAt") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("EndedAt"),
        JsonSerializer.Deserialize<List<StepTiming>>(e.GetString("StepsJson") ?? "[]", Json) ?? [],
        JsonSerializer.Deserialize<List<VmMigrationOutcome>>(e.GetString("VmsJson") ?? "[]", Json) ?? []);
}
