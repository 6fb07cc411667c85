using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Prescient.Pipeline.Configuration;

namespace Prescient.Functions.Storage;

/// <summary>
/// Clients for Prescient's storage account from the <see cref="AppSettingNames.Storage"/> setting: identity-based in
/// Azure (<c>PrescientStorage__tableServiceUri</c>, optional <c>__clientId</c> of the user-assigned identity), or a
/// connection string under the plain name locally (Azurite).
/// </summary>
public static class StorageClients
{
    public static TableServiceClient CreateTableServiceClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[AppSettingNames.Storage];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new TableServiceClient(connectionString);
        }

        var section = configuration.GetSection(AppSettingNames.Storage);
        var uri = section["tableServiceUri"]
            ?? throw new InvalidOperationException(
                $"Set {AppSettingNames.Storage}__tableServiceUri (identity-based) or {AppSettingNames.Storage} (a connection string, local only).");
        var clientId = section["clientId"];
        var credential = string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        return new TableServiceClient(new Uri(uri), credential);
    }
}
