using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Prescient.Pipeline.Storage;

/// <summary>Names of Prescient's tables, containers and queues (one storage account; a prefix isolates tests and runs).</summary>
public sealed record StorageNames(string Prefix = "")
{
    public string Windows => Prefix + "windows";

    public string Hosts => Prefix + "hosts";

    public string Settings => Prefix + "settings";

    public string Decisions => Prefix + "decisions";

    public string DeadLetters => Prefix + "deadletters";

    public string Models => Prefix + "models";

    public string Checkpoints => Prefix + "checkpoints";

    /// <summary>The migrations table the workflows write and the API reads.</summary>
    public string Migrations => Prefix + "Migrations";

    /// <summary>The VM leases (one row per VM being migrated).</summary>
    public string VmLeases => Prefix + "VmLeases";

    /// <summary>Blob container of the model snapshots.</summary>
    public string ModelContainer => (Prefix + "models").ToLowerInvariant();

    public string TelemetryQueue => (Prefix + "telemetry").ToLowerInvariant();
}

/// <summary>
/// The storage account's clients and the names of Prescient's tables, containers and queues in it.
/// <see cref="EnsureCreatedAsync"/> creates them (idempotent; run at start-up).
/// </summary>
public sealed class PrescientStorage(TableServiceClient tables, BlobServiceClient blobs, QueueServiceClient queues, StorageNames? names = null)
{
    public TableServiceClient Tables { get; } = tables;

    public BlobServiceClient Blobs { get; } = blobs;

    public QueueServiceClient Queues { get; } = queues;

    public StorageNames Names { get; } = names ?? new StorageNames();

    /// <summary>Clients for a connection string (Azurite or an account key).</summary>
    public static PrescientStorage FromConnectionString(string connectionString, StorageNames? names = null) =>
        new(new TableServiceClient(connectionString), new BlobServiceClient(connectionString), new QueueServiceClient(connectionString), names);

    public TableClient Table(Func<StorageNames, string> name) => Tables.GetTableClient(name(Names));

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Names.Windows, Names.Hosts, Names.Settings, Names.Decisions, Names.DeadLetters, Names.Models, Names.Checkpoints, Names.Migrations, Names.VmLeases })
        {
            await Tables.GetTableClient(table).CreateIfNotExistsAsync(cancellationToken);
        }

        await Blobs.GetBlobContainerClient(Names.ModelContainer).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Queues.GetQueueClient(Names.TelemetryQueue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}
