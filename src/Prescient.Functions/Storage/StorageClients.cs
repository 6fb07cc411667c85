using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Prescient.Pipeline.Configuration;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Storage;

/// <summary>
/// Clients for Prescient's storage account from the <see cref="AppSettingNames.Storage"/> connection: identity-based
/// in Azure (<c>PrescientStorage__tableServiceUri</c>, <c>__blobServiceUri</c>, <c>__queueServiceUri</c>, optional
/// <c>__clientId</c> of the user-assigned identity), or a connection string under the plain name locally (Azurite).
/// </summary>
public static class StorageClients
{
    public static PrescientStorage Create(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[AppSettingNames.Storage];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return PrescientStorage.FromConnectionString(connectionString);
        }

        var section = configuration.GetSection(AppSettingNames.Storage);
        var credential = Credential(section[AppSettingNames.ConnectionKeys.ClientId] ?? configuration[AppSettingNames.ManagedIdentityClientId]);
        return new PrescientStorage(
            new TableServiceClient(Endpoint(section, AppSettingNames.ConnectionKeys.TableServiceUri), credential),
            new BlobServiceClient(Endpoint(section, AppSettingNames.ConnectionKeys.BlobServiceUri), credential),
            new QueueServiceClient(Endpoint(section, AppSettingNames.ConnectionKeys.QueueServiceUri), credential));
    }

    private static Uri Endpoint(IConfigurationSection section, string key) =>
        Uri.TryCreate(section[key], UriKind.Absolute, out var uri)
            ? uri
            : throw new InvalidOperationException(
                $"Set {AppSettingNames.ConnectionKey(AppSettingNames.Storage, key)} (identity-based) or {AppSettingNames.Storage} (a connection string, local only).");

    private static TokenCredential Credential(string? clientId) =>
        string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
}
