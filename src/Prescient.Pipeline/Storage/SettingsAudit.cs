using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Prescient.Pipeline.Storage;

/// <summary>One audited change: when, who, which scope, the versions before and after, and each changed setting.</summary>
public sealed record SettingsAuditEntry(
    DateTimeOffset At,
    string Actor,
    string Scope,
    string PreviousETag,
    string NewETag,
    IReadOnlyList<string> Changes);

/// <summary>
/// What a settings write is about to commit, handed to the caller's auditor before the transaction: the scope and its
/// JSON before and after (canonical form; null = the scope has no settings).
/// </summary>
public sealed record SettingsChange(SettingsScope Scope, string? PreviousJson, string? NewJson);

/// <summary>Who made a change and what it changed: the caller's part of the audit record committed with the change.</summary>
public sealed record SettingsAuditDraft(string Actor, string Scope, IReadOnlyList<string> Changes);

/// <summary>
/// The audit rows in the settings partition. Row keys are <c>!audit-</c> + inverted ticks + a random suffix: newest
/// first, and (<c>!</c> sorting before every scope prefix and <c>~version</c>) all of them below
/// <see cref="RangeEnd"/>, so the scope rows are one RowKey range and the audit rows another.
/// </summary>
internal static class SettingsAuditRows
{
    /// <summary>Every audit row key starts with this.</summary>
    public const string Prefix = "!audit-";

    /// <summary>The first row key after every audit row (<c>'.'</c> follows <c>'-'</c>).</summary>
    public const string RangeEnd = "!audit.";

    /// <summary>The version row's property naming the audit row written with the current version (absent: unaudited write).</summary>
    public const string LastAuditProperty = "LastAudit";

    /// <summary>
    /// A new row key for a change at <paramref name="at"/>, sorting before (newer than) <paramref name="previous"/>,
    /// the row of the change this one follows: commit order wins over clock skew between writers and equal times.
    /// </summary>
    public static string NewRowKey(DateTimeOffset at, string? previous = null)
    {
        var inverted = DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks;
        if (previous is not null && previous.Length > Prefix.Length + 19
            && long.TryParse(previous.AsSpan(Prefix.Length, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var before))
        {
            inverted = Math.Min(inverted, before - 1);
        }

        return Prefix + Math.Max(inverted, 0).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
    }

    public static TableEntity ToEntity(string partition, string rowKey, DateTimeOffset at, SettingsAuditDraft draft, string previousETag, string? previousAudit) =>
        new(partition, rowKey)
        {
            ["At"] = at,
            ["Actor"] = draft.Actor,
            ["Scope"] = draft.Scope,
            ["PreviousETag"] = previousETag,
            ["PreviousAudit"] = previousAudit,
            ["Changes"] = ChangesText(draft.Changes),
        };

    /// <summary>The longest changes text stored (a string property holds at most 32K UTF-16 characters).</summary>
    public const int MaxChangesLength = 30_000;

    /// <summary>The changes as JSON, cut to whole entries plus a count of the rest when a huge change would not fit the row.</summary>
    public static string ChangesText(IReadOnlyList<string> changes)
    {
        var text = JsonSerializer.Serialize(changes, SettingsAuditJson.Default.IReadOnlyListString);
        if (text.Length <= MaxChangesLength)
        {
            return text;
        }

        var kept = new List<string>();
        var length = 0;
        foreach (var change in changes)
        {
            var entry = change.Length > 1_000 ? change[..1_000] + "..." : change;
            length += JsonEncodedText.Encode(entry).Value.Length + 3;
            if (length > MaxChangesLength - 100)
            {
                break;
            }

            kept.Add(entry);
        }

        kept.Add($"... and {changes.Count - kept.Count} more change(s), not recorded (too long for one audit record)");
        return JsonSerializer.Serialize(kept, SettingsAuditJson.Default.IReadOnlyListString);
    }

    public static SettingsAuditEntry FromEntity(TableEntity entity, string? newETag) => new(
        entity.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
        entity.GetString("Actor") ?? string.Empty,
        entity.GetString("Scope") ?? string.Empty,
        entity.GetString("PreviousETag") ?? string.Empty,
        newETag ?? entity.GetString("NewETag") ?? string.Empty,
        JsonSerializer.Deserialize(entity.GetString("Changes") ?? "[]", SettingsAuditJson.Default.IReadOnlyListString) ?? []);

    /// <summary>
    /// Fills the new version of audit rows whose follow-up write of <c>NewETag</c> did not happen (a crash or storage
    /// error right after the commit): it is the version the next audited change was conditional on (when that change
    /// names this row as its predecessor), or the current version when the version row names this row.
    /// </summary>
    public static List<SettingsAuditEntry> Complete(IReadOnlyList<TableEntity> newestFirst, TableEntity? versionRow, Func<ETag, string> versionText)
    {
        var entries = new List<SettingsAuditEntry>(newestFirst.Count);
        for (var i = 0; i < newestFirst.Count; i++)
        {
            var row = newestFirst[i];
            string? derived = null;
            if (string.IsNullOrEmpty(row.GetString("NewETag")))
            {
                if (i > 0 && newestFirst[i - 1].GetString("PreviousAudit") == row.RowKey)
                {
                    derived = newestFirst[i - 1].GetString("PreviousETag");
                }
                else if (i == 0 && versionRow?.GetString(LastAuditProperty) == row.RowKey)
                {
                    derived = versionText(versionRow.ETag);
                }
            }

            entries.Add(FromEntity(row, derived));
        }

        return entries;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class SettingsAuditJson : System.Text.Json.Serialization.JsonSerializerContext;
