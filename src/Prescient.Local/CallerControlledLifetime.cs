using Microsoft.Extensions.Hosting;

namespace Prescient.Local;

/// <summary>
/// The lifetime of a host that its caller starts and stops. The default console lifetime stops a host on SIGINT and
/// SIGTERM by itself: with several hosts in one process (the API, the durable sidecar and worker) a Ctrl-C then
/// stops each on its own, in no order and concurrently with the caller's own stop. With this one, signals are the
/// caller's to handle, and it stops its parts in order, once.
/// </summary>
public sealed class CallerControlledLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
