using Microsoft.Extensions.Hosting;

namespace Prescient.Pipeline.Storage;

/// <summary>
/// Creates Prescient's tables, containers and queues at start-up (idempotent). The settings audit trail lives in the
/// settings table (written with each change); the earlier separate audit table is only read, when it exists.
/// </summary>
public sealed class StorageInitializer(PrescientStorage storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
