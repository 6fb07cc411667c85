using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Prescient.Pipeline.Storage;

/// <summary>What a trained model is and how good it was on held-out periods.</summary>
public sealed record ModelMetadata(
    string HostId,
    string Version,
    DateTimeOffset TrainedAt,
    string NetworkMode,
    int NetworkCount,
    int TrainingObservations,
    int HoldoutObservations,
    int Epochs,
    double? TrainingMae,
    double? HoldoutMae,
    double? BaselineMae,
    string? Note);

/// <summary>A model snapshot and its metadata.</summary>
public sealed record StoredModel(ModelMetadata Metadata, byte[] Snapshot);

/// <summary>
/// Models: each version is an immutable blob <c>{host}/{version}.json</c> (Core's predictor snapshot, with metadata
/// on the blob too), and a table row per version; a <c>current</c> row points at the version in use and moves only
/// forward (versions sort by training time), so a slow retrain cannot replace a newer model.
/// </summary>
public sealed class ModelStore(BlobContainerClient container, TableClient table)
{
    private const string CurrentRow = "current";

    public static string VersionOf(DateTimeOffset trainedAt) =>
        trainedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Stores a new version and makes it current unless a newer one already is. Returns whether it became current.</summary>
    public async Task<bool> SaveAsync(ModelMetadata metadata, byte[] snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(snapshot);
        var blob = container.GetBlobClient(BlobName(metadata.HostId, metadata.Version));
        await blob.UploadAsync(
            new BinaryData(snapshot),
            new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Metadata = new Dictionary<string, string>
                {
                    ["hostid"] = metadata.HostId,
                    ["version"] = metadata.Version,
                    ["holdoutmae"] = metadata.HoldoutMae?.ToString("R", CultureInfo.InvariantCulture) ?? "none",
                },
            },
            cancellationToken);
        await table.UpsertEntityAsync(ToEntity(metadata, TableKeys.Escape(metadata.Version)), TableUpdateMode.Replace, cancellationToken);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(metadata.HostId, CurrentRow, cancellationToken: cancellationToken);
            if (current.HasValue && current.Value is { } row && string.CompareOrdinal(row.GetString("Version"), metadata.Version) >= 0)
            {
                return false;
            }

            try
            {
                var entity = ToEntity(metadata, CurrentRow);
                if (current.HasValue && current.Value is { } existing)
                {
                    await table.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException exception) when (exception.Status is 409 or 412)
            {
                // Another retrain moved it: compare again.
            }
        }

        return false;
    }

    public async Task<ModelMetadata?> GetCurrentMetadataAsync(string hostId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(hostId, CurrentRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e ? FromEntity(e) : null;
    }

    public async Task<StoredModel?> GetCurrentAsync(string hostId, CancellationToken cancellationToken)
    {
        var metadata = await GetCurrentMetadataAsync(hostId, cancellationToken);
        return metadata is null ? null : await GetAsync(metadata, cancellationToken);
    }

    public async Task<StoredModel> GetAsync(ModelMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var content = await container.GetBlobClient(BlobName(metadata.HostId, metadata.Version)).DownloadContentAsync(cancellationToken);
        return new StoredModel(metadata, content.Value.Content.ToArray());
    }

    /// <summary>Every version of a host's model, oldest first.</summary>
    public async Task<IReadOnlyList<ModelMetadata>> ListVersionsAsync(string hostId, CancellationToken cancellationToken)
    {
        var result = new List<ModelMetadata>();
        await foreach (var e in table.QueryAsync<TableEntity>(x => x.PartitionKey == hostId, cancellationToken: cancellationToken))
        {
            if (e.RowKey != CurrentRow)
            {
                result.Add(FromEntity(e));
            }
        }

        return result;
    }

    private static string BlobName(string hostId, string version) => $"{hostId}/{version}.json";

    private static TableEntity ToEntity(ModelMetadata m, string rowKey) => new(m.HostId, rowKey)
    {
        ["Version"] = m.Version,
        ["TrainedAt"] = m.TrainedAt,
        ["NetworkMode"] = m.NetworkMode,
        ["NetworkCount"] = m.NetworkCount,
        ["TrainingObservations"] = m.TrainingObservations,
        ["HoldoutObservations"] = m.HoldoutObservations,
        ["Epochs"] = m.Epochs,
        ["TrainingMae"] = m.TrainingMae,
        ["HoldoutMae"] = m.HoldoutMae,
        ["BaselineMae"] = m.BaselineMae,
        ["Note"] = m.Note,
    };

    private static ModelMetadata FromEntity(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("Version") ?? string.Empty,
        e.GetDateTimeOffset("TrainedAt") ?? default,
        e.GetString("NetworkMode") ?? string.Empty,
        e.GetInt32("NetworkCount") ?? 0,
        e.GetInt32("TrainingObservations") ?? 0,
        e.GetInt32("HoldoutObservations") ?? 0,
        e.GetInt32("Epochs") ?? 0,
        e.GetDouble("TrainingMae"),
        e.GetDouble("HoldoutMae"),
        e.GetDouble("BaselineMae"),
        e.GetString("Note"));
}
