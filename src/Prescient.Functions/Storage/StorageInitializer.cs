using Microsoft.Extensions.Hosting;
using Prescient.Pipeline.Api.Settings;
using Prescient.Pipeline.Storage;

namespace Prescient.Functions.Storage;

/// <summary>Creates Prescient's tables, containers and queues at start-up (idempotent), and the settings audit table.</summary>
public sealed class StorageInitializer(PrescientStorage storage, ISettingsAuditLog audit) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        if (audit is TableSettingsAuditLog table)
        {
            await table.Table.CreateIfNotExistsAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
