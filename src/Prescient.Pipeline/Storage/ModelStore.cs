using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// What a host's trained forecasting state is and how good it was: <see cref="HoldoutMae"/> is the selected model's
/// error one period ahead on the recent out-of-sample periods, <see cref="BaselineMae"/> last value's on the same.
/// </summary>
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
    string? Note)
{
    /// <summary>The model selected for the next period (null: stored before model selection).</summary>
    public string? Model { get; init; }

    /// <summary>"full" or "incremental" (null: stored before incremental retraining).</summary>
    public string? Kind { get; init; }
}

/// <summary>The fleet's pooled tree model: its version, when and on how much it was trained.</summary>
public sealed record FleetModelMetadata(string Version, DateTimeOffset TrainedAt, int Hosts, int Rows);

/// <summary>A model snapshot and its metadata.</summary>
public sealed record StoredModel(ModelMetadata Metadata, byte[] Snapshot);

/// <summary>
/// Models: each version of a host's forecasting bundle is an immutable blob <c>{host}/{version}.json</c> (with
/// metadata on the blob too), and a table row per version; a <c>current</c> row points at the version in use and
/// moves only forward (versions sort by training time), so a slow retrain cannot replace a newer model. The fleet's
/// pooled tree model is kept the same way under the partition <see cref="FleetPartition"/> (blobs
/// <c>(fleet)/{version}.zip</c>).
/// </summary>
public sealed class ModelStore(BlobContainerClient container, TableClient table)
{
    private const string CurrentRow = "current";

    /// <summary>The partition (and blob folder) of the fleet's tree model: not a valid host id.</summary>
    public const string FleetPartition = "(fleet)";

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
                    ["model"] = metadata.Model ?? "none",
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

    /// <summary>Stores a version of the fleet's tree model and makes it current unless a newer one already is.</summary>
    public async Task<bool> SaveFleetModelAsync(FleetModelMetadata metadata, byte[] model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(model);
        await container.GetBlobClient(FleetBlobName(metadata.Version)).UploadAsync(
            new BinaryData(model), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" } }, cancellationToken);
        TableEntity Row(string rowKey) => new(FleetPartition, rowKey)
        {
            ["Version"] = metadata.Version,
            ["TrainedAt"] = metadata.TrainedAt,
            ["Hosts"] = metadata.Hosts,
            ["Rows"] = metadata.Rows,
        };
        await table.UpsertEntityAsync(Row(TableKeys.Escape(metadata.Version)), TableUpdateMode.Replace, cancellationToken);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(FleetPartition, CurrentRow, cancellationToken: cancellationToken);
            if (current.HasValue && current.Value is { } row && string.CompareOrdinal(row.GetString("Version"), metadata.Version) >= 0)
            {
                return false;
            }

            try
            {
                if (current.HasValue && current.Value is { } existing)
                {
                    await table.UpdateEntityAsync(Row(CurrentRow), existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(Row(CurrentRow), cancellationToken);
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

    /// <summary>The current fleet tree model's metadata (null: none trained yet).</summary>
    public async Task<FleetModelMetadata?> GetCurrentFleetModelAsync(CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(FleetPartition, CurrentRow, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e
            ? new FleetModelMetadata(e.GetString("Version") ?? string.Empty, e.GetDateTimeOffset("TrainedAt") ?? default, e.GetInt32("Hosts") ?? 0, e.GetInt32("Rows") ?? 0)
            : null;
    }

    /// <summary>The bytes of a fleet tree model version (null when absent).</summary>
    public async Task<byte[]?> GetFleetModelAsync(string version, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        try
        {
            var content = await container.GetBlobClient(FleetBlobName(version)).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToArray();
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    private static string BlobName(string hostId, string version) => $"{hostId}/{version}.json";

    private static string FleetBlobName(string version) => $"{FleetPartition}/{version}.zip";

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
        ["Model"] = m.Model,
        ["Kind"] = m.Kind,
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
        e.GetString("Note"))
    {
        Model = e.GetString("Model"),
        Kind = e.GetString("Kind"),
    };
}
