using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>One audited change: when, who, which scope, the versions before and after, and each changed setting.</summary>
public sealed record SettingsAuditEntry(
    DateTimeOffset At,
    string Actor,
    string Scope,
    string PreviousETag,
    string NewETag,
    IReadOnlyList<string> Changes);

/// <summary>The audit trail of settings changes, newest first.</summary>
public interface ISettingsAuditLog
{
    Task AppendAsync(SettingsAuditEntry entry, CancellationToken cancellationToken);

    Task<IReadOnlyList<SettingsAuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>The audit trail in an Azure Table: one partition, row keys in inverted time so the newest come first.</summary>
public sealed class TableSettingsAuditLog(TableClient table) : ISettingsAuditLog
{
    public const string DefaultTableName = "PrescientSettingsAudit";
    private const string Partition = "audit";

    public TableClient Table { get; } = table;

    public async Task AppendAsync(SettingsAuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await Table.CreateIfNotExistsAsync(cancellationToken);
        var rowKey = (DateTimeOffset.MaxValue.UtcTicks - entry.At.UtcTicks).ToString("D19", CultureInfo.InvariantCulture)
            + "-" + Guid.NewGuid().ToString("N")[..8];
        await Table.AddEntityAsync(new TableEntity(Partition, rowKey)
        {
            ["At"] = entry.At,
            ["Actor"] = entry.Actor,
            ["Scope"] = entry.Scope,
            ["PreviousETag"] = entry.PreviousETag,
            ["NewETag"] = entry.NewETag,
            ["Changes"] = JsonSerializer.Serialize(entry.Changes, ApiJson.Options),
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<SettingsAuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await Table.CreateIfNotExistsAsync(cancellationToken);
        var entries = new List<SettingsAuditEntry>();
        await foreach (var e in Table.QueryAsync<TableEntity>(x => x.PartitionKey == Partition, maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken))
        {
            entries.Add(new SettingsAuditEntry(
                e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
                e.GetString("Actor") ?? "",
                e.GetString("Scope") ?? "",
                e.GetString("PreviousETag") ?? "",
                e.GetString("NewETag") ?? "",
                JsonSerializer.Deserialize<List<string>>(e.GetString("Changes") ?? "[]", ApiJson.Options) ?? []));
            if (entries.Count >= limit)
            {
                break;
            }
        }

        return entries;
    }
}
