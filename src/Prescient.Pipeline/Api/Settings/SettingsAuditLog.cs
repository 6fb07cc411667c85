using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Pipeline.Storage;

namespace Prescient.Pipeline.Api.Settings;

/// <summary>The audit trail of settings changes, newest first.</summary>
public interface ISettingsAuditLog
{
    Task<IReadOnlyList<SettingsAuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The audit trail: the records the <see cref="SettingsStore"/> commits with each change (in the settings partition),
/// merged by time with the records of the earlier separate audit table (<c>{prefix}settingsaudit</c>, partition
/// <c>audit</c>), where changes were recorded after they were saved until the record moved into the change's own
/// transaction. That table is only read, and only when it exists.
/// </summary>
public sealed class SettingsAuditLog(SettingsStore store, TableClient? earlierTable = null) : ISettingsAuditLog
{
    /// <summary>The earlier audit table's name without the storage prefix.</summary>
    public const string EarlierTableSuffix = "settingsaudit";

    private const string EarlierPartition = "audit";

    public async Task<IReadOnlyList<SettingsAuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var recent = await store.RecentAuditAsync(limit, cancellationToken);
        var earlier = await EarlierAsync(limit, cancellationToken);
        return earlier.Count == 0 ? recent : Merge(recent, earlier, limit);
    }

    /// <summary>Merges two newest-first lists by time, keeping each list's own order (the new records' is commit order).</summary>
    private static List<SettingsAuditEntry> Merge(IReadOnlyList<SettingsAuditEntry> recent, List<SettingsAuditEntry> earlier, int limit)
    {
        var merged = new List<SettingsAuditEntry>(Math.Min(limit, recent.Count + earlier.Count));
        int r = 0, e = 0;
        while (merged.Count < limit && (r < recent.Count || e < earlier.Count))
        {
            var takeRecent = e >= earlier.Count || (r < recent.Count && recent[r].At >= earlier[e].At);
            merged.Add(takeRecent ? recent[r++] : earlier[e++]);
        }

        return merged;
    }

    private async Task<List<SettingsAuditEntry>> EarlierAsync(int limit, CancellationToken cancellationToken)
    {
        var entries = new List<SettingsAuditEntry>();
        if (earlierTable is null)
        {
            return entries;
        }

        try
        {
            await foreach (var e in earlierTable.QueryAsync<TableEntity>(x => x.PartitionKey == EarlierPartition, maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken))
            {
                entries.Add(new SettingsAuditEntry(
                    e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
                    e.GetString("Actor") ?? string.Empty,
                    e.GetString("Scope") ?? string.Empty,
                    e.GetString("PreviousETag") ?? string.Empty,
                    e.GetString("NewETag") ?? string.Empty,
                    JsonSerializer.Deserialize<List<string>>(e.GetString("Changes") ?? "[]", ApiJson.Options) ?? []));
                if (entries.Count >= limit)
                {
                    break;
                }
            }
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // No earlier audit table: nothing was recorded before the records moved into the settings partition.
        }

        return entries;
    }
}
