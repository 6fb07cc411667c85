using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Prescient.Core.Controller;
using Prescient.Core.Settings;

namespace Prescient.Pipeline.Storage;

/// <summary>A migration the evaluator planned for a host in a cycle, and what became of it.</summary>
public sealed record DecisionMigration(
    string MigrationId,
    IReadOnlyList<string> VmIds,
    string? GroupId,
    string DestinationHostId,
    bool WakesHost,
    string Outcome);

/// <summary>One evaluated host in one cycle: the controller's decision with its explanation, and the actions taken.</summary>
public sealed record DecisionRecord(
    string HostId,
    string CycleId,
    DateTimeOffset At,
    bool DryRun,
    Decision? Decision,
    string Summary,
    IReadOnlyList<DecisionMigration> Migrations,
    IReadOnlyList<string> Notes);

/// <summary>
/// Decisions: one row per evaluated host per cycle, row key = host id and cycle (newest first), so a re-run of the
/// same cycle overwrites its row and a host's decisions are one key range. Hosts are spread over
/// <see cref="Partitions"/> partitions (<c>~p000</c>...) by a stable hash of the id, so a cycle's decisions are
/// written in transactions of up to 100 rows (<see cref="WriteManyAsync"/>). Rows of the earlier layout (partition =
/// host id) are still read. Key figures are columns (for queries and the dashboard); the full decision and the
/// actions are JSON.
/// </summary>
public sealed class DecisionStore(TableClient table)
{
    /// <summary>Partitions the hosts' decisions are spread over.</summary>
    public const int Partitions = 16;

    /// <summary>Characters of rows one transaction carries at most (a transaction takes 4 MiB).</summary>
    private const int MaxTransactionChars = 3_000_000;

    private bool? _legacyRows;

    public TableClient Table { get; } = table;

    public Task WriteAsync(DecisionRecord record, DateTimeOffset cycleStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Table.UpsertEntityAsync(ToEntity(record, cycleStart), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>A cycle's decisions, in transactions of up to 100 rows per partition (each row replaced: a re-run overwrites).</summary>
    public async Task WriteManyAsync(IReadOnlyList<DecisionRecord> records, DateTimeOffset cycleStart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var transactions = new List<List<TableTransactionAction>>();
        foreach (var partition in records.Select(r => ToEntity(r, cycleStart)).GroupBy(e => e.PartitionKey))
        {
            List<TableTransactionAction> current = [];
            var chars = 0;
            foreach (var entity in partition.DistinctBy(e => e.RowKey))
            {
                var size = ((IDictionary<string, object>)entity).Values.Sum(v => v is string text ? text.Length : 16) + 200;
                if (current.Count == 100 || (current.Count > 0 && chars + size > MaxTransactionChars))
                {
                    transactions.Add(current);
                    current = [];
                    chars = 0;
                }

                current.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
                chars += size;
            }

            transactions.Add(current);
        }

        await Parallel.ForEachAsync(transactions, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (actions, ct) =>
            await Table.SubmitTransactionAsync(actions, ct));
    }

    /// <summary>A host's most recent decisions, newest first.</summary>
    public async Task<IReadOnlyList<DecisionRecord>> ListAsync(string hostId, int max, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(hostId)} and RowKey gt {RowPrefix(hostId)} and RowKey lt {TableKeys.Escape(hostId) + "}"}");
        var result = await ReadAsync(filter, max, cancellationToken);
        _legacyRows ??= await HasLegacyRowsAsync(cancellationToken);
        if (_legacyRows == true)
        {
            // The earlier layout: the host's own partition.
            var earlier = await ReadAsync(TableClient.CreateQueryFilter($"PartitionKey eq {hostId}"), max, cancellationToken);
            result = [.. result.Concat(earlier).OrderByDescending(r => r.At).Take(max)];
        }

        return result;
    }

    private async Task<List<DecisionRecord>> ReadAsync(string filter, int max, CancellationToken cancellationToken)
    {
        var result = new List<DecisionRecord>();
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Clamp(max, 1, 1000), cancellationToken: cancellationToken))
        {
            if (TableText.Read(e, "Json") is { } json && JsonSerializer.Deserialize(json, DecisionJsonContext.Default.DecisionRecord) is { } record)
            {
                result.Add(record);
            }

            if (result.Count >= max)
            {
                break;
            }
        }

        return result;
    }

    private async Task<bool> HasLegacyRowsAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in Table.QueryAsync<TableEntity>("PartitionKey lt '~'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            return true;
        }

        return false;
    }

    internal static string PartitionOf(string hostId) => TableKeys.PartitionOf(hostId, Partitions);

    private static string RowPrefix(string hostId) => TableKeys.Escape(hostId) + "|";

    private static TableEntity ToEntity(DecisionRecord record, DateTimeOffset cycleStart)
    {
        var d = record.Decision;
        var entity = new TableEntity(PartitionOf(record.HostId), RowPrefix(record.HostId) + TableKeys.NewestFirst(cycleStart))
        {
            ["HostId"] = record.HostId,
            ["CycleId"] = record.CycleId,
            ["At"] = record.At,
            ["DryRun"] = record.DryRun,
            ["Summary"] = Cap(record.Summary),
            ["Indication"] = d?.Indication.ToString(),
            ["ModeBefore"] = d?.ModeBefore.ToString(),
            ["ModeAfter"] = d?.ModeAfter.ToString(),
            ["Transition"] = d?.Transition.ToString(),
            ["Measured"] = d?.Measured,
            ["Predicted"] = d?.Predicted,
            ["PredictionError"] = d?.PredictionError,
            ["ComparedWorkload"] = d?.ComparedWorkload,
            ["RangeLow"] = d?.Range.Low,
            ["RangeHigh"] = d?.Range.High,
            ["Reason"] = d is null ? null : Cap(d.Reason),
            ["MigrationCount"] = record.Migrations.Count,
        };
        TableText.Write(entity, "Json", JsonSerializer.Serialize(record, DecisionJsonContext.Default.DecisionRecord));
        return entity;
    }

    /// <summary>
    /// A host's decisions of cycles that started in [<paramref name="from"/>, <paramref name="to"/>), newest first, at
    /// most <paramref name="max"/>: one row-key range of the host's rows (the keys are newest first), so a day's
    /// series reads a day of rows, not the host's whole history.
    /// </summary>
    public async Task<IReadOnlyList<DecisionRecord>> ListRangeAsync(string hostId, DateTimeOffset from, DateTimeOffset to, int max, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        var prefix = RowPrefix(hostId);
        var result = await ReadAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(hostId)} and RowKey gt {prefix + TableKeys.NewestFirst(to)} and RowKey le {prefix + TableKeys.NewestFirst(from)}"),
            max,
            cancellationToken);
        _legacyRows ??= await HasLegacyRowsAsync(cancellationToken);
        if (_legacyRows == true)
        {
            var earlier = await ReadAsync(
                TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey gt {TableKeys.NewestFirst(to)} and RowKey le {TableKeys.NewestFirst(from)}"),
                max,
                cancellationToken);
            result = [.. result.Concat(earlier).OrderByDescending(r => r.At).Take(max)];
        }

        return result;
    }

    /// <summary>Deletes a host's decisions of cycles that started before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(string hostId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);

        // Row keys are newest first: every older cycle sorts after the cut-off's key, up to the end of the host's rows.
        var prefix = RowPrefix(hostId);
        var deleted = await DeleteAsync(
            TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(hostId)} and RowKey gt {prefix + TableKeys.NewestFirst(before)} and RowKey lt {TableKeys.Escape(hostId) + "}"}"),
            cancellationToken);
        _legacyRows ??= await HasLegacyRowsAsync(cancellationToken);
        if (_legacyRows == true)
        {
            deleted += await DeleteAsync(TableClient.CreateQueryFilter($"PartitionKey eq {hostId} and RowKey gt {TableKeys.NewestFirst(before)}"), cancellationToken);
        }

        return deleted;
    }

    private async Task<int> DeleteAsync(string filter, CancellationToken cancellationToken)
    {
        var doomed = new List<TableEntity>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            doomed.Add(entity);
        }

        foreach (var chunk in doomed.Chunk(100))
        {
            await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, Azure.ETag.All)), cancellationToken);
        }

        return doomed.Count;
    }

    private static string Cap(string text) => text.Length > 8_000 ? text[..8_000] : text;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DecisionRecord))]
[JsonSerializable(typeof(WorkloadRange))]
internal sealed partial class DecisionJsonContext : JsonSerializerContext;

internal static class CycleIds
{
    public static string Of(Prescient.Core.Calendar.PeriodKey period) =>
        period.Date.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "-" + period.Index.ToString("D3", CultureInfo.InvariantCulture);
}
