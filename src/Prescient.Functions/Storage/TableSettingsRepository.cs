using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Prescient.Pipeline.Api;
using Prescient.Pipeline.Api.Settings;

namespace Prescient.Functions.Storage;

/// <summary>
/// The settings document in Azure Tables: one entity (the document as JSON, split over string properties of at
/// most 32K characters) and the audit entries in the same partition, so that a change and its audit entry are written
/// in one transaction. The entity's ETag is the document's ETag.
/// </summary>
public sealed class TableSettingsRepository(TableClient table) : ISettingsRepository
{
    public const string DefaultTableName = "PrescientSettings";
    private const string Partition = "settings";
    private const string DocumentRow = "document";
    private const string AuditRowPrefix = "audit-";
    private const int ChunkChars = 32 * 1024;
    private const int MaxChunks = 24;

    public async Task<VersionedSettings> GetAsync(CancellationToken cancellationToken)
    {
        await table.CreateIfNotExistsAsync(cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(Partition, DocumentRow, cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is null)
        {
            return new VersionedSettings(SettingsDocument.Defaults, ISettingsRepository.InitialETag);
        }

        var entity = response.Value;
        var json = new StringBuilder();
        var chunks = entity.GetInt32("Chunks") ?? 0;
        for (var i = 0; i < chunks; i++)
        {
            json.Append(entity.GetString($"Doc{i}"));
        }

        var document = JsonSerializer.Deserialize<SettingsDocument>(json.ToString(), ApiJson.Options)
            ?? throw new InvalidDataException("The stored settings document is empty.");
        return new VersionedSettings(document, entity.ETag.ToString());
    }

    public async Task<SettingsSaveResult> TryReplaceAsync(
        SettingsDocument document, string expectedETag, SettingsAuditEntry audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(audit);
        await table.CreateIfNotExistsAsync(cancellationToken);
        var json = JsonSerializer.Serialize(document, ApiJson.Options);
        var chunkCount = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunkCount > MaxChunks)
        {
            throw new InvalidOperationException($"The settings document is {json.Length} characters; at most {MaxChunks * ChunkChars} fit.");
        }

        var entity = new TableEntity(Partition, DocumentRow) { ["Chunks"] = chunkCount };
        for (var i = 0; i < chunkCount; i++)
        {
            entity[$"Doc{i}"] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }

        var auditEntity = new TableEntity(Partition, AuditRowKey(audit.At))
        {
            ["At"] = audit.At,
            ["Actor"] = audit.Actor,
            ["PreviousETag"] = audit.PreviousETag,
            ["Changes"] = JsonSerializer.Serialize(audit.Changes, ApiJson.Options),
        };

        var actions = new List<TableTransactionAction>
        {
            expectedETag == ISettingsRepository.InitialETag
                ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, new ETag(expectedETag)),
            new(TableTransactionActionType.Add, auditEntity),
        };

        try
        {
            var response = await table.SubmitTransactionAsync(actions, cancellationToken);
            return new SettingsSaveResult(true, response.Value[0].Headers.ETag?.ToString() ?? "");
        }
        catch (TableTransactionFailedException exception) when (exception.Status is 409 or 412)
        {
            return new SettingsSaveResult(false, (await GetAsync(cancellationToken)).ETag);
        }
    }

    public async Task<IReadOnlyList<SettingsAuditEntry>> GetAuditAsync(int limit, CancellationToken cancellationToken)
    {
        await table.CreateIfNotExistsAsync(cancellationToken);
        var entries = new List<SettingsAuditEntry>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey ge {AuditRowPrefix} and RowKey lt {"audit."}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken))
        {
            entries.Add(new SettingsAuditEntry(
                entity.GetDateTimeOffset("At") ?? entity.Timestamp ?? DateTimeOffset.MinValue,
                entity.GetString("Actor") ?? "",
                entity.GetString("PreviousETag") ?? "",
                JsonSerializer.Deserialize<List<string>>(entity.GetString("Changes") ?? "[]", ApiJson.Options) ?? []));
            if (entries.Count >= limit)
            {
                break;
            }
        }

        return entries;
    }

    /// <summary>Newest first: inverted ticks, then a random suffix so two changes in one tick do not collide.</summary>
    private static string AuditRowKey(DateTimeOffset at) =>
        AuditRowPrefix + (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
}
